"""saas_release's plain-Python parts (no Odoo): wave planning and the stop
rule, the smoke verdict, the runner's command line; and the nginx
configuration that sends each host to its release's processes, checked
with a real nginx in front of two real HTTP servers."""
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from loopback import free_port, http_server  # noqa: E402
from plainimport import load_file, load_package  # noqa: E402

lib = load_package("saas_release_lib", REPO / "saas_release/lib")
from saas_release_lib import smoke, waves  # noqa: E402

servers = load_file("saas_dns_test_servers_release", REPO / "saas_dns/tests/servers.py")
nginx = load_file("saas_dns_nginx_release", REPO / "saas_dns/tools/nginx.py")


# -- waves ----------------------------------------------------------------------

def test_plan_puts_a_canary_share_first_and_at_least_one():
    assert waves.plan(range(1, 11), 0.2) == [[1, 2], [3, 4, 5, 6, 7, 8, 9, 10]]
    assert waves.plan([7, 8, 9], 0.1) == [[7], [8, 9]]  # never an empty canary
    assert waves.plan([7, 8, 9], 1) == [[7, 8, 9], []]
    assert waves.plan([], 0.5) == [[], []]
    for bad in (0, -0.1, 1.5):
        with pytest.raises(ValueError):
            waves.plan([1], bad)


def test_a_wave_stops_once_its_failures_exceed_the_rate():
    assert not waves.must_stop(0, 4, 0.0)
    assert waves.must_stop(1, 4, 0.0)  # 0: the first failure stops it
    assert not waves.must_stop(1, 4, 0.25)  # 25 % is not above 25 %
    assert waves.must_stop(2, 4, 0.25)
    assert waves.failure_rate(0, 0) == 0.0


# -- smoke verdict -------------------------------------------------------------------

LOG_OK = ("2026-12-02 10:00:00,000 123 INFO db odoo.modules.loading: 12 modules loaded\n"
          "2026-12-02 10:00:01,000 123 WARNING db odoo.x: a warning is no error\n")
LOG_ERROR = LOG_OK + (
    "2026-12-02 10:00:02,000 123 ERROR db odoo.modules.migration: boom\n"
    "Traceback (most recent call last):\n  File \"x\", line 1\nRuntimeError: boom\n")


def _result(update="ok", checks=None):
    return {"update": update, "checks": checks if checks is not None else [
        {"check": "login", "name": "/web/login", "ok": True, "detail": "HTTP 200"},
        {"check": "apps", "name": "saas_demo_notes", "ok": True, "detail": ""}]}


def test_verdict_passes_only_a_clean_run():
    passed, summary, excerpt = smoke.verdict(_result(), LOG_OK)
    assert passed and summary == "2 checks passed"
    assert "12 modules loaded" in excerpt  # the log's tail


def test_verdict_fails_on_an_error_line_a_failed_check_or_update_or_no_result():
    passed, summary, excerpt = smoke.verdict(_result(), LOG_ERROR)
    assert not passed and "1 ERROR line(s)" in summary
    assert excerpt.startswith("2026-12-02 10:00:02,000 123 ERROR") and "RuntimeError" in excerpt
    bad_check = _result(checks=[{"check": "crons", "name": "ir.cron 4", "ok": False,
                                 "detail": "ZeroDivisionError"}])
    passed, summary, _excerpt = smoke.verdict(bad_check, LOG_OK)
    assert not passed and "crons ir.cron 4: ZeroDivisionError" in summary
    passed, summary, _excerpt = smoke.verdict(_result(update="error: boom"), LOG_OK)
    assert not passed and "update failed: error: boom" in summary
    passed, summary, _excerpt = smoke.verdict(None, LOG_OK, returncode=-9)
    assert not passed and "exit code -9" in summary


def test_excerpt_keeps_the_end_of_a_long_traceback():
    frames = "".join(f"  File \"f{i}.py\", line {i}\n    call_{i}()\n" for i in range(30))
    log = LOG_OK + ("2026-12-02 10:00:02,000 123 ERROR db saas_release.runner: update failed\n"
                    "Traceback (most recent call last):\n" + frames +
                    "RuntimeError: this migration fails on purpose\n"
                    "2026-12-02 10:00:03,000 123 INFO db odoo.x: after\n")
    text = smoke.excerpt(log)
    assert text.startswith("2026-12-02 10:00:02,000 123 ERROR")
    assert text.endswith("RuntimeError: this migration fails on purpose")
    assert "after" not in text and len(text.splitlines()) <= 16


def test_parse_result_reads_the_last_mark_line():
    out = "noise\nSMOKE-RESULT {\"update\": \"ok\", \"checks\": []}\n"
    assert smoke.parse_result(out) == {"update": "ok", "checks": []}
    assert smoke.parse_result("SMOKE-RESULT {broken") is None
    assert smoke.parse_result("nothing") is None


def test_command_logs_in_with_the_given_role_and_runs_the_releases_code():
    program = {"python": "/venv/bin/python", "odoo_src": "/src/odoo",
               "addons_path": "/src/odoo/addons,/repo,/repo/tests/release_addons/v2"}
    login = {"host": "127.0.0.1", "port": 5433, "user": "saas_t_acme", "password": "pw"}
    cmd = smoke.command(program, login, "saas_t__rehearse_4", "/tmp/x.log", rcfile="/r.conf",
                        update=["base", "web"], checks=smoke.REHEARSAL_CHECKS, crons=[3, 7],
                        role="saas_t_acme")
    assert cmd[:2] == ["/venv/bin/python", smoke.RUNNER]
    opts = dict(zip(cmd, cmd[1:]))
    assert opts["--odoo-src"] == "/src/odoo" and opts["--update"] == "base,web"
    assert opts["--crons"] == "3,7" and opts["--role"] == "saas_t_acme"
    assert opts["--addons-path"] == program["addons_path"]
    assert (opts["-r"], opts["-w"], opts["-d"]) == ("saas_t_acme", "pw", "saas_t__rehearse_4")
    assert "--stop-after-init" not in cmd and "--no-http" in cmd
    # the real database in a promotion: its crons are never run
    assert "crons" not in smoke.PROMOTE_CHECKS


# -- nginx: each host to its release's processes ------------------------------------

class _Backend:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        name = self.name

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                body = f"{name} {self.headers['Host']}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._served = http_server(Handler)
        self.port = self._served.__enter__()
        return self

    def __exit__(self, *exc):
        self._served.__exit__(*exc)


def test_nginx_sends_each_host_to_its_releases_upstream(tmp_path):
    port = free_port()
    with _Backend("default") as default, _Backend("release2") as release2:
        app = f"127.0.0.1:{release2.port}"
        routes = [("acme.localhost", "subdomain", None, None),
                  ("beta.localhost", "subdomain", None, app),
                  ("shop.beta.test", "custom", None, app),
                  ("gone.localhost", "subdomain", "https://example.test/ended", None)]
        text = nginx.render_main(nginx.render_servers(
            routes, "localhost", f"127.0.0.1:{default.port}", f"127.0.0.1:{port}",
            master_hosts=["127.0.0.1"]), str(tmp_path))
        assert f"upstream {nginx.app_upstream(app)} {{" in text
        srv = servers.NginxServer(prefix=str(tmp_path))
        assert nginx.apply(text, srv.conf_path, srv.prefix) is True
        srv.start(port)
        try:
            def get(host):
                return requests.get(f"http://127.0.0.1:{port}/", headers={"Host": host},
                                    allow_redirects=False, timeout=5)
            assert get("acme.localhost").text == "default acme.localhost"
            assert get("beta.localhost:8080").text == "release2 beta.localhost:8080"
            assert get("shop.beta.test").text == "release2 shop.beta.test"
            assert get("new.localhost").text == "default new.localhost"  # not in the map yet
            assert get("localhost").text == "default localhost"  # the master
            assert get("gone.localhost").status_code == 302
        finally:
            srv.stop()
        with pytest.raises(nginx.NginxError, match="application server"):
            nginx.render_servers([("x.localhost", "subdomain", None, "evil;include /x:1")],
                                 "localhost", "127.0.0.1:1", "127.0.0.1:2")
