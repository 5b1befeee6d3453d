"""saas_provisioning/tools without a registry: the admin password hashers
beside the pipeline, and the tenant login-page check against a real HTTP
server on loopback."""
import http.server
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TOOLS = REPO / "saas_provisioning" / "tools"
sys.path.insert(0, str(REPO / "scripts"))
from loopback import http_server  # noqa: E402
from plainimport import load_file  # noqa: E402

hashers_mod = load_file("_saas_password_hasher", TOOLS / "password_hasher.py")
tenant_http = load_file("_saas_tenant_http", TOOLS / "tenant_http.py")


def test_hash_taken_when_ready_and_never_computed_twice():
    calls, release = [], threading.Event()

    def compute():
        calls.append(1)
        release.wait(5)
        return "hash-of-a"

    hashers = hashers_mod.PasswordHashers()
    hashers.start("k", "sealed-a", compute)
    hashers.start("k", "sealed-a", compute)  # already on its way: no second thread
    assert hashers.ready("k", "sealed-a") is None, "still hashing: never waits"
    release.set()
    assert hashers.take("k", "sealed-a", lambda: pytest.fail("computed twice")) == "hash-of-a"
    assert calls == [1]
    assert hashers.pending() == 0, "taken: forgotten"


def test_ready_returns_a_finished_hash_once():
    hashers = hashers_mod.PasswordHashers()
    hashers.start("k", "sealed-a", lambda: "hash-of-a")
    for _ in range(500):
        if hashers.ready("k", "sealed-a"):
            break
        threading.Event().wait(0.01)
    else:
        pytest.fail("the hash never became ready")
    assert hashers.ready("k", "sealed-a") is None, "handed out once"


def test_new_password_replaces_and_failure_is_computed_again():
    hashers = hashers_mod.PasswordHashers()
    hashers.start("k", "sealed-a", lambda: "hash-of-a")
    # another password sealed for the same pipeline: the old hash is not given
    assert hashers.take("k", "sealed-b", lambda: "hash-of-b") == "hash-of-b"

    def broken():
        raise ValueError("sealed with another key")

    hashers.start("k", "sealed-c", broken)
    # the thread's failure is not lost: the pipeline computes again and sees it
    with pytest.raises(ValueError, match="another key"):
        hashers.take("k", "sealed-c", broken)


class _Tenant(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        host = self.headers["Host"]
        if self.path != "/web/login" or host == "gone.test":
            self.send_response(404)
            body = b"not found"
        elif host == "nologin.test":
            self.send_response(200)
            body = b"<html>a database selector</html>"
        else:
            self.send_response(200)
            body = f'<form><input name="login"/>{host}</form>'.encode()
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def tenant_server():
    with http_server(_Tenant) as port:
        yield f"http://127.0.0.1:{port}/"


def test_login_page_check(tenant_server):
    assert tenant_http.check_login_page(tenant_server, "acme.test", timeout=5) >= 0
    with pytest.raises(tenant_http.TenantNotServed, match="answered 404"):
        tenant_http.check_login_page(tenant_server, "gone.test", timeout=5)
    with pytest.raises(tenant_http.TenantNotServed, match="answered 200"):
        tenant_http.check_login_page(tenant_server, "nologin.test", timeout=5)
    # a server that does not answer: requests' own error (retried by the pipeline)
    with pytest.raises(tenant_http.requests.RequestException):
        tenant_http.check_login_page("http://127.0.0.1:9", "acme.test", timeout=2)
