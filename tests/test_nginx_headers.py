"""The nginx configurations we generate (saas_dns/tools/nginx.py,
scripts/prod_split.py) and ship (deploy/nginx.conf), with a real nginx on
loopback in front of an upstream that echoes the headers it receives:
a client's forged X-Forwarded-Host never passes (Odoo with proxy_mode would
answer ``X-Forwarded-Host: localhost`` as the master), and the job runner's
/queue_job/runjob and the database manager are refused on tenant hosts."""
import json
import re
import socket
import subprocess
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from loopback import http_server  # noqa: E402
from plainimport import load_file  # noqa: E402

import prod_split  # noqa: E402

servers = load_file("saas_dns_test_servers", REPO / "saas_dns/tests/servers.py")
nginx = prod_split.saas_nginx

pytestmark = pytest.mark.skipif(subprocess.run(["which", "nginx"], capture_output=True)
                                .returncode != 0, reason="nginx is not installed")


class Echo:
    """An upstream answering every request with the headers it got (JSON)."""

    def __init__(self, name):
        self.name, self.hits = name, []

    def __enter__(self):
        echo = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                echo.hits.append(self.path)
                data = json.dumps({"upstream": echo.name, "path": self.path,
                                   "host": self.headers.get("Host"),
                                   "xfh": self.headers.get_all("X-Forwarded-Host")}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._served = http_server(Handler)
        self.port = self._served.__enter__()
        return self

    def __exit__(self, *exc):
        self._served.__exit__(*exc)


def raw_get(port, target, host, extra=()):
    """One HTTP/1.0 request written by hand (an absolute URI in the request
    line is what requests cannot send): (status, body)."""
    lines = [f"GET {target} HTTP/1.0", f"Host: {host}", *extra, "", ""]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall("\r\n".join(lines).encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _sep, body = data.decode(errors="replace").partition("\r\n\r\n")
    return int(head.split()[1]), body


FORGED = "X-Forwarded-Host: localhost"


def _assert_routed_host(port, echo_name=None):
    """Through ``port``: the forwarded host is the one nginx routed by."""
    for target, host, expected in [
        ("/web/login", f"acme.saas.test:{port}", f"acme.saas.test:{port}"),
        ("/web/login", "shop.customer.test", "shop.customer.test"),
        # the request line's host wins over the Host header (nginx routes by it)
        ("http://shop.customer.test/web/login", "localhost", "shop.customer.test"),
    ]:
        status, body = raw_get(port, target, host, [FORGED])
        assert status == 200, body
        seen = json.loads(body)
        assert (seen["host"], seen["xfh"]) == (expected, [expected]), (target, host, seen)
        if echo_name:
            assert seen["upstream"] == echo_name


def _assert_blocked(port, echo, host):
    before = list(echo.hits)
    for path in ("/queue_job/runjob?db=x&job_uuid=y", "/web/database/manager",
                 "/web/database/list", "/web/database/backup"):
        status, body = raw_get(port, path, host)
        assert status == 404 and "nginx" in body, (path, status)
    assert echo.hits == before, "refused by nginx, never passed on"


def test_generated_configuration_forwards_the_routed_host(tmp_path):
    with Echo("odoo") as echo:
        srv = servers.NginxServer(prefix=str(tmp_path))
        port = servers.free_port()
        text = nginx.render_main(nginx.render_servers(
            [("shop.customer.test", "custom", None), ("acme.saas.test", "subdomain", None)],
            base_domain="saas.test", upstream=f"127.0.0.1:{echo.port}",
            listen=f"127.0.0.1:{port}", master_hosts=["localhost"]), str(tmp_path))
        assert nginx.apply(text, srv.conf_path, srv.prefix) is True  # nginx -t passed
        srv.start(port)
        try:
            _assert_routed_host(port)
            _assert_blocked(port, echo, f"acme.saas.test:{port}")
            _assert_blocked(port, echo, "shop.customer.test")
            # the master's own name is proxied (and still forwards its own host)
            status, body = raw_get(port, "/web/login", "localhost", [FORGED])
            assert (status, json.loads(body)["xfh"]) == (200, ["localhost"])
        finally:
            srv.stop()


def test_prod_split_configuration_forwards_the_routed_host(tmp_path):
    with Echo("master") as master, Echo("tenants") as tenants:
        port = servers.free_port()
        ports = {"master_http": master.port, "master_gevent": master.port,
                 "tenants_http": tenants.port, "tenants_gevent": tenants.port}
        conf = prod_split.write_nginx(tmp_path, port, ports, prod_split.master_names("saas.test"))
        check = subprocess.run(["nginx", "-t", "-q", "-c", str(conf), "-p", f"{tmp_path}/"],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        proc = subprocess.Popen(prod_split.nginx_cmd(conf), stderr=subprocess.DEVNULL)
        try:
            servers.wait_until(lambda: socket.create_connection(("127.0.0.1", port), 1)
                               .close() or True, 10, "nginx", proc)
            _assert_routed_host(port, "tenants")
            _assert_blocked(port, tenants, f"acme.saas.test:{port}")
            status, body = raw_get(port, "/web/login", "saas.test", [FORGED])
            assert json.loads(body) == {"upstream": "master", "path": "/web/login",
                                        "host": "saas.test", "xfh": ["saas.test"]}
        finally:
            proc.terminate()
            proc.wait(10)


def test_shipped_configuration_carries_the_same_lines():
    shipped = (REPO / "deploy/nginx.conf").read_text()
    for line in nginx.FORWARDED_HOST_MAP.splitlines() + list(nginx.PROXY_HEADERS):
        assert line.strip() in shipped, line
    # every location that sets its own headers sets the forwarded host too
    own = re.findall(r"location [^{]+\{[^}]*proxy_set_header[^}]*\}", shipped)
    assert own and all("X-Forwarded-Host $saas_host;" in block for block in own)
    assert "$http_host;" not in shipped.replace("$saas_host {", "").split("default $host")[1]
    servers_text = shipped.split("    server {")[1:]
    assert len(servers_text) == 2
    for server in servers_text:
        for prefix in nginx.BLOCKED_PREFIXES:
            assert f"location ^~ {prefix} {{\n            return 404;" in server
