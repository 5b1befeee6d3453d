"""saas_webhook/tools without a registry: Standard Webhooks signing checked
against the standardwebhooks library, the SSRF guard, the backoff."""
import importlib
import random
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

REPO = Path(__file__).resolve().parent.parent
TOOLS = REPO / "saas_webhook" / "tools"
sys.path.insert(0, str(REPO / "scripts"))
from plainimport import load_package  # noqa: E402


def _load():
    # saas_webhook/__init__.py imports Odoo models: load the tools package alone
    load_package("whtools", TOOLS)
    return {name: importlib.import_module(f"whtools.{name}")
            for name in ("signing", "backoff", "ssrf", "transport")}


T = _load()
signing, backoff, ssrf = T["signing"], T["backoff"], T["ssrf"]


def test_signature_verifies_with_standardwebhooks():
    secret = signing.generate_secret()
    assert secret.startswith("whsec_") and len(signing.secret_key(secret)) == 32
    body = b'{"type": "instance.active", "data": {"subdomain": "acme"}}'
    now = int(time.time())
    headers = signing.headers(secret, "msg_1", now, body)
    assert Webhook(secret).verify(body, headers)["data"]["subdomain"] == "acme"
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"acme", b"evil"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.generate_secret()).verify(body, headers)
    # the library's own signature of the same message is ours
    theirs = Webhook(secret).sign("msg_1", datetime.fromtimestamp(now, tz=timezone.utc),
                                  body.decode())
    assert theirs == headers["webhook-signature"]


def test_signing_known_vector():
    # vector from the Standard Webhooks specification's test suite
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert signing.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == \
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_bad_secret():
    for bad in ("", "sk_abc", "whsec_***"):
        with pytest.raises(ValueError):
            signing.secret_key(bad)


def _resolver(mapping):
    def resolve(host, port):
        if host not in mapping:
            raise ssrf.UnsafeURL(f"host {host} does not resolve")
        return mapping[host]
    return resolve


@pytest.mark.parametrize("url,addresses", [
    ("http://a.test/x", ["127.0.0.1"]),
    ("http://a.test/x", ["10.0.0.5"]),
    ("http://a.test/x", ["192.168.1.1"]),
    ("http://a.test/x", ["172.16.0.1"]),
    ("http://a.test/x", ["169.254.169.254"]),
    ("http://a.test/x", ["100.64.0.1"]),
    ("http://a.test/x", ["::1"]),
    ("http://a.test/x", ["fe80::1"]),
    ("http://a.test/x", ["fd00::1"]),
    ("http://a.test/x", ["::ffff:127.0.0.1"]),
    ("http://a.test/x", ["0.0.0.0"]),
    ("http://a.test/x", ["93.184.216.34", "10.0.0.1"]),  # one bad answer is enough
])
def test_ssrf_refuses_non_public(url, addresses):
    resolve = _resolver({"a.test": addresses})
    with pytest.raises(ssrf.UnsafeURL, match="non-public"):
        ssrf.check_url(url, resolve=resolve)
    assert ssrf.check_url(url, allow_private=True, resolve=resolve) == addresses


def test_ssrf_url_shape():
    resolve = _resolver({"a.test": ["93.184.216.34"]})
    assert ssrf.check_url("https://a.test:8443/hook", resolve=resolve) == ["93.184.216.34"]
    for bad in ("ftp://a.test/", "file:///etc/passwd", "http:///x", "http://u:p@a.test/",
                "http://a.test:99999/", "gopher://a.test/", "", None):
        with pytest.raises(ssrf.UnsafeURL):
            ssrf.check_url(bad, resolve=resolve)
    with pytest.raises(ssrf.UnsafeURL, match="does not resolve"):
        ssrf.check_url("http://nowhere.test/", resolve=resolve)
    # the real resolver on a literal address
    with pytest.raises(ssrf.UnsafeURL):
        ssrf.check_url("http://127.0.0.1:1/")


def test_backoff_full_jitter_over_three_days():
    assert backoff.is_retryable_status(500) and backoff.is_retryable_status(429)
    assert not backoff.is_retryable_status(400) and not backoff.is_retryable_status(404)
    rng = random.Random(7)
    for failures in range(1, 30):
        ceiling = min(6 * 3600, 30 * 2 ** (failures - 1))
        delays = [backoff.retry_delay(failures, rng=rng) for _ in range(200)]
        assert all(1.0 <= d <= max(ceiling, 1.0) for d in delays)
        # full jitter: spread over the whole window, not bunched at its end
        if ceiling > 100:
            assert min(delays) < ceiling * 0.2 and max(delays) > ceiling * 0.8
    # expected time to reach three days of retries: about 15-25 attempts
    total, attempts = 0.0, 0
    rng = random.Random(1)
    while total < 72 * 3600:
        attempts += 1
        total += backoff.retry_delay(attempts, rng=rng)
    assert 12 <= attempts <= 40


def _receiver():
    spec = importlib.util.spec_from_file_location(
        "wh_receiver", TOOLS.parent / "tests" / "receiver.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Receiver


def test_transport_outcomes_and_dns_pinning():
    transport = T["transport"]
    body = b'{"type": "backup.failed"}'
    with _receiver()(statuses=[200, 500, 429, 404, 301]) as receiver:
        receiver.retry_after = 120
        port = receiver.port
        # a name no real DNS knows: only the pinned, checked address can work
        pinned = {"pinned.test": ["127.0.0.1"]}
        url = f"http://pinned.test:{port}/hook"
        session = transport.new_session()

        def send(**kw):
            return transport.send(url, {"webhook-id": "msg_t"}, body, timeout=5,
                                  session=session, resolve=_resolver(pinned), **kw)

        assert send(allow_private=False).error.startswith("refused: host pinned.test resolves")
        assert receiver.requests == [], "refused before any connection"
        ok = send(allow_private=True)
        assert (ok.ok, ok.status, ok.body) == (True, 200, '{"ok": true}')
        assert receiver.requests[0]["headers"]["host"] == f"pinned.test:{port}"
        assert receiver.requests[0]["body"] == body
        assert [(r.ok, r.retryable, r.status, r.retry_after) for r in
                (send(allow_private=True) for _ in range(4))] == [
            (False, True, 500, 0), (False, True, 429, 120), (False, False, 404, 0),
            (False, False, 301, 0)]
        assert transport.retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0
        # rebinding: the name now points at another address, checked again
        pinned["pinned.test"] = ["10.0.0.7"]
        assert not send(allow_private=False).retryable
        assert len(receiver.requests) == 5
    down = transport.send(f"http://127.0.0.1:{port}/hook", {}, body, timeout=2,
                          allow_private=True)
    assert (down.ok, down.retryable, down.status) == (False, True, 0)
    assert "ConnectionError" in down.error


@pytest.mark.parametrize("url,host", [
    ("http://Bücher.TEST./hook", "xn--bcher-kva.test."),
    ("https://faß.de/hook", "xn--fa-hia.de"),  # IDNA 2008 (requests), not 2003 ("fass.de")
    ("http://[::1]:8080/", "::1"),
    ("http://a.test/", "a.test"),
])
def test_ssrf_checks_the_name_the_client_connects_to(url, host):
    assert ssrf.connect_host(url) == host
    asked = []

    def resolve(name, port):
        asked.append(name)
        return ["93.184.216.34"]
    ssrf.check_url(url, resolve=resolve)
    assert asked == [host]


def test_transport_pins_the_idna_name_and_fails_closed():
    """A non-ASCII host goes out as punycode: the pin is keyed by that name,
    so the checked address is the one connected to (no second DNS lookup,
    which could rebind to 127.0.0.1); a connection to a name that was not
    pinned is refused, never resolved."""
    transport = T["transport"]
    with _receiver()(statuses=[200, 200]) as receiver:
        port = receiver.port
        # only the pin knows this name: delivered means the pin matched
        pinned = {"xn--bcher-kva.test.": ["127.0.0.1"]}
        url = f"http://Bücher.test.:{port}/hook"
        ok = transport.send(url, {}, b"{}", timeout=5, allow_private=True,
                            resolve=_resolver(pinned))
        assert (ok.ok, ok.status, ok.error) == (True, 200, "")
        assert receiver.requests[0]["headers"]["host"] == f"xn--bcher-kva.test.:{port}"
        # a session whose adapter has no pin for the name: refused, nothing sent
        session = transport.new_session()
        refused = transport.send(f"http://127.0.0.1:{port}/hook", {}, b"{}", timeout=5,
                                 session=session, allow_private=True,
                                 resolve=lambda host, port: ["127.0.0.1"])
        assert refused.ok
        session.get_adapter("http://x/").pins.clear()
        session.close()  # no kept-alive connection: the next one must be opened
        with pytest.raises(ssrf.UnsafeURL, match="not checked"):
            session.post(f"http://localhost:{port}/hook", data=b"{}", timeout=5)
        assert len(receiver.requests) == 2
