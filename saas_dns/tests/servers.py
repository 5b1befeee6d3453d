"""Real servers on loopback for the DNS and routing tests (no Odoo import:
the repo's pytest files load this file too).

Each is started by the test, listens on 127.0.0.1 on a port given to it, and
is stopped by its pid.
"""
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

# free ports, waiting for a server, stopping it by pid: the repo's helpers
_SCRIPTS = str(Path(__file__).resolve().parents[2] / "scripts")
if _SCRIPTS not in sys.path:
    sys.path.insert(0, _SCRIPTS)
from loopback import LoopbackProcess, free_port, wait_until  # noqa: E402,F401

PDNS_SCHEMA = "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"


class PowerDnsServer(LoopbackProcess):
    """pdns_server with the gsqlite3 backend and its HTTP API."""

    api_key = "test-pdns-key"

    def __init__(self, dns_port=None, api_port=None):
        self.dns_port = dns_port or free_port()
        self.api_port = api_port or free_port()
        self.api_url = f"http://127.0.0.1:{self.api_port}"

    def start(self):
        self.tmp = tempfile.mkdtemp(prefix="saas-pdns-")
        db = os.path.join(self.tmp, "pdns.sqlite3")
        with sqlite3.connect(db) as conn, open(PDNS_SCHEMA) as schema:
            conn.executescript(schema.read())
        Path(self.tmp, "pdns.conf").write_text("\n".join([
            "launch=gsqlite3", f"gsqlite3-database={db}",
            "local-address=127.0.0.1", f"local-port={self.dns_port}",
            "api=yes", f"api-key={self.api_key}", "webserver=yes",
            "webserver-address=127.0.0.1", f"webserver-port={self.api_port}",
            "webserver-allow-from=127.0.0.1/32", f"socket-dir={self.tmp}",
            "daemon=no", "guardian=no", "security-poll-suffix=", "disable-syslog=yes",
            "loglevel=3",
            "default-soa-content=ns1.test. hostmaster.@ 0 10800 3600 604800 3600", ""]))
        self.log = open(os.path.join(self.tmp, "pdns.log"), "w")
        self.proc = subprocess.Popen(["pdns_server", f"--config-dir={self.tmp}"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(lambda: requests.get(self.api_url + "/api/v1/servers/localhost", timeout=1,
                                   headers={"X-API-Key": self.api_key}).ok, 20, "pdns_server",
              self.proc)
        return self

    def dig(self, name, rtype="A"):
        out = subprocess.run(["dig", "+short", "+time=2", "+tries=1", "@127.0.0.1", "-p",
                              str(self.dns_port), name, rtype],
                             capture_output=True, text=True, timeout=10).stdout
        return [line.strip().strip('"') for line in out.splitlines() if line.strip()]


class NginxServer(LoopbackProcess):
    """nginx with its own -c/-p; the configuration is written by the test
    (or by saas_dns) at ``conf_path``."""

    def __init__(self, prefix=None):
        self.tmp = prefix or tempfile.mkdtemp(prefix="saas-nginx-")
        self.prefix = self.tmp
        self.conf_path = os.path.join(self.tmp, "nginx.conf")
        self.pid_file = os.path.join(self.tmp, "nginx.pid")

    def start(self, port=None):
        self.log = open(os.path.join(self.tmp, "nginx.out"), "w")
        self.proc = subprocess.Popen(["nginx", "-g", "daemon off;", "-c", self.conf_path,
                                      "-p", self.prefix], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_until(lambda: os.path.exists(self.pid_file), 10, "nginx", self.proc)
        if port:
            wait_until(lambda: socket.create_connection(("127.0.0.1", port), 1).close() or True,
                  10, "nginx", self.proc)
        return self


class CloudflareReceiver:
    """A local HTTP receiver standing in for api.cloudflare.com: it records
    every request the official client builds and answers like the v4 API
    (zones and DNS records kept in memory)."""

    def __init__(self, port=None, zone="example.test", token="cf-test-token"):
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/client/v4"
        self.zone, self.token, self.zone_id = zone, token, "zone0123456789"
        self.requests = []
        self.records = {}
        self._next = 0

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, result, result_info=None):
                body = {"success": status < 400, "errors": [] if status < 400 else
                        [{"code": status, "message": str(result)}], "messages": [],
                        "result": result if status < 400 else None}
                if result_info:
                    body["result_info"] = result_info
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path, _, query = self.path.partition("?")
                receiver.requests.append({
                    "method": self.command, "path": path, "query": query,
                    "auth": self.headers.get("Authorization"),
                    "json": json.loads(raw) if raw else None})
                if self.headers.get("Authorization") != f"Bearer {receiver.token}":
                    return self._reply(403, "bad token")
                receiver.route(self, path, query, json.loads(raw) if raw else None)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, handler, path, query, body):
        from urllib.parse import parse_qs  # noqa: PLC0415

        params = {k: v[0] for k, v in parse_qs(query).items()}
        page = {"page": 1, "per_page": 100, "count": 0, "total_count": 0, "total_pages": 1}
        prefix = "/client/v4"
        if handler.command == "GET" and int(params.get("page", 1)) > 1:
            return handler._reply(200, [], dict(page, page=int(params["page"])))  # past the end
        if path == f"{prefix}/zones" and handler.command == "GET":
            zones = [{"id": self.zone_id, "name": self.zone}] \
                if params.get("name") in (None, self.zone) else []
            return handler._reply(200, zones, dict(page, count=len(zones)))
        records_path = f"{prefix}/zones/{self.zone_id}/dns_records"
        if path == records_path and handler.command == "GET":
            found = [r for r in self.records.values()
                     if params.get("name.exact", r["name"]) == r["name"]
                     and params.get("type", r["type"]) == r["type"]]
            return handler._reply(200, found, dict(page, count=len(found)))
        if path == records_path and handler.command == "POST":
            self._next += 1
            rec = dict(body, id=f"rec{self._next}")
            self.records[rec["id"]] = rec
            return handler._reply(200, rec)
        if path.startswith(records_path + "/"):
            rec_id = path.rsplit("/", 1)[1]
            if rec_id not in self.records:
                return handler._reply(404, "no such record")
            if handler.command == "DELETE":
                del self.records[rec_id]
                return handler._reply(200, {"id": rec_id})
            if handler.command in ("PUT", "PATCH"):
                self.records[rec_id] = dict(body, id=rec_id)
                return handler._reply(200, self.records[rec_id])
        return handler._reply(404, f"unexpected {handler.command} {path}")
