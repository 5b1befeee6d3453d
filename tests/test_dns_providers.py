"""saas_dns's plain-Python parts against real servers on loopback:
PowerDNS (its HTTP API, answers checked with dig), Route53 (moto's server,
boto3), Cloudflare (the official client against a local receiver that
records its requests), ownership checks with dnspython, and nginx
configurations (a broken one is never loaded)."""
import os
import sys
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from loopback import MotoServer  # noqa: E402
from plainimport import load_file, load_package  # noqa: E402



servers = load_file("saas_dns_test_servers", REPO / "saas_dns/tests/servers.py")


providers = load_package("saas_dns_providers", REPO / "saas_dns/providers")
tools = load_package("saas_dns_tools", REPO / "saas_dns/tools")
import saas_dns_tools.nginx as nginx  # noqa: E402
import saas_dns_tools.verify as verify  # noqa: E402

ZONE = "saas-dns.test"


@pytest.fixture(scope="module")
def pdns():
    srv = servers.PowerDnsServer().start()
    yield srv
    srv.stop()


def _roundtrip(provider, zone, dig=None):
    """The same checks for every provider: replace is idempotent, a second
    replace changes the values, delete removes, a wildcard works."""
    name = f"shop.{zone}"
    provider.replace_record(zone, name, "A", ["127.0.0.10"], ttl=120)
    change = provider.replace_record(zone, name, "A", ["127.0.0.10"], ttl=120)  # again: fine
    provider.wait(change)
    assert provider.get_record(zone, name, "A").values == ("127.0.0.10",)
    provider.replace_record(zone, name, "A", ["127.0.0.11", "127.0.0.12"], ttl=120)
    assert provider.get_record(zone, name, "A").values == ("127.0.0.11", "127.0.0.12")
    provider.replace_record(zone, f"_saas-verify.{zone}", "TXT", ['tok "quoted" en'])
    assert provider.get_record(zone, f"_saas-verify.{zone}", "TXT").values == ('tok "quoted" en',)
    provider.replace_record(zone, f"*.{zone}", "A", ["127.0.0.20"])
    assert provider.get_record(zone, f"*.{zone}", "A").values == ("127.0.0.20",)
    if dig:
        assert sorted(dig(name)) == ["127.0.0.11", "127.0.0.12"]
        assert dig(f"anything.{zone}") == ["127.0.0.20"]
    provider.delete_record(zone, name, "A")
    provider.delete_record(zone, name, "A")  # nothing left: fine
    assert provider.get_record(zone, name, "A") is None
    with pytest.raises(providers.DnsError):
        provider.replace_record(zone, "shop.other.test", "A", ["127.0.0.1"])
    with pytest.raises(providers.DnsError):
        provider.replace_record(zone, f"bad_label!.{zone}", "A", ["127.0.0.1"])


def test_powerdns_records_answer_dig(pdns):
    provider = providers.make_provider("powerdns", api_url=pdns.api_url, api_key=pdns.api_key)
    provider.ensure_zone(ZONE)
    assert provider.ensure_zone(ZONE) is False
    _roundtrip(provider, ZONE, dig=pdns.dig)
    assert pdns.dig(f"shop.{ZONE}") == ["127.0.0.20"]  # now the wildcard answers it
    bad = providers.make_provider("powerdns", api_url=pdns.api_url, api_key="wrong")
    with pytest.raises(providers.DnsError, match="PowerDNS refused"):
        bad.list_records(ZONE)


def test_ownership_checked_against_the_configured_server(pdns):
    provider = providers.make_provider("powerdns", api_url=pdns.api_url, api_key=pdns.api_key)
    provider.ensure_zone("customer.test")
    token = verify.new_token()
    check = lambda domain, tok, target: verify.check_ownership(  # noqa: E731
        domain, tok, target, "127.0.0.1", pdns.dns_port)
    assert check("shop.customer.test", token, "acme.localhost") == (False, "nothing")
    provider.replace_record("customer.test", "_saas-verify.shop.customer.test", "TXT", [token])
    assert check("shop.customer.test", token, "acme.localhost") == (True, "TXT")
    ok, found = check("shop.customer.test", verify.new_token(), "acme.localhost")
    assert not ok and token in found
    provider.replace_record("customer.test", "www.customer.test", "CNAME", ["acme.localhost"])
    assert check("www.customer.test", token, "acme.localhost") == (True, "CNAME")
    assert check("www.customer.test", token, "other.localhost")[0] is False
    with pytest.raises(verify.VerificationError):
        verify.check_ownership("x.customer.test", token, "", "127.0.0.1",
                               servers.free_port(), timeout=0.3)


def test_route53_on_moto():
    moto = MotoServer().start()
    try:
        provider = providers.make_provider(
            "route53", access_key="testing", secret_key="testing", endpoint_url=moto.url)
        assert provider.ensure_zone(ZONE) is True
        _roundtrip(provider, ZONE)
        with pytest.raises(providers.DnsError, match="no hosted zone"):
            provider.list_records("missing.test")
    finally:
        moto.stop()


def test_cloudflare_requests_built_by_the_official_client():
    receiver = servers.CloudflareReceiver(zone=ZONE).start()
    try:
        provider = providers.make_provider("cloudflare", api_token=receiver.token,
                                           base_url=receiver.base_url)
        _roundtrip(provider, ZONE)
        sent = receiver.requests
        assert all(r["auth"] == f"Bearer {receiver.token}" for r in sent)
        assert sent[0]["path"] == "/client/v4/zones" and f"name={ZONE}" in sent[0]["query"]
        creates = [r for r in sent if r["method"] == "POST"]
        assert creates[0]["path"] == "/client/v4/zones/zone0123456789/dns_records"
        assert creates[0]["json"] == {"name": f"shop.{ZONE}", "type": "A",
                                      "content": "127.0.0.10", "ttl": 120, "proxied": False}
        # the second, identical replace sent no write
        assert sum(1 for r in sent if r["method"] == "POST" and r["json"]["name"] == f"shop.{ZONE}"
                   and r["json"]["content"] == "127.0.0.10") == 1
        lookups = [r for r in sent if r["method"] == "GET" and "dns_records" in r["path"]]
        assert any(f"name.exact=shop.{ZONE}" in r["query"] and "type=A" in r["query"]
                   for r in lookups)
        assert any(r["method"] == "PUT" for r in sent)
        assert any(r["method"] == "DELETE" for r in sent)
        bad = providers.make_provider("cloudflare", api_token="wrong", base_url=receiver.base_url)
        with pytest.raises(providers.DnsError, match="Cloudflare refused"):
            bad.list_records(ZONE)
    finally:
        receiver.stop()


def test_nginx_config_switches_atomically_and_never_loads_a_broken_one(tmp_path):
    backend = servers.CloudflareReceiver()  # any HTTP server answering on loopback
    backend.start()
    port = servers.free_port()
    srv = servers.NginxServer(prefix=str(tmp_path))
    routes = [("shop.customer.test", "custom", None), ("acme.localhost", "subdomain", None),
              ("gone.localhost", "subdomain", "https://example.test/ended")]
    text = nginx.render_main(nginx.render_servers(
        routes, "localhost", f"127.0.0.1:{backend.port}", f"127.0.0.1:{port}",
        master_hosts=["127.0.0.1"]), str(tmp_path))
    assert "proxy_set_header Host $saas_host;" in text  # tests/test_nginx_headers.py
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "server_name ~^(?<sub>[a-z0-9-]+)\\.localhost$;" in text
    assert "server_name shop.customer.test;" in text
    assert "server_name acme.localhost;" not in text  # the wildcard serves it
    assert nginx.apply(text, srv.conf_path, srv.prefix) is True
    srv.start(port)
    try:
        def get(host, path="/client/v4/zones"):
            return requests.get(f"http://127.0.0.1:{port}{path}", headers={"Host": host},
                                allow_redirects=False, timeout=5)
        assert get("acme.localhost:8080").status_code == 403  # reached the backend
        assert backend.requests[-1]["path"] == "/client/v4/zones"
        assert get("shop.customer.test").status_code == 403
        assert get("gone.localhost").headers["Location"] == "https://example.test/ended"
        assert get("a.b.elsewhere.test").status_code == 404
        # a broken configuration: refused, the live file and the running nginx unchanged
        with pytest.raises(nginx.NginxError):
            nginx.apply(text.replace("return 404;", "return 404"), srv.conf_path, srv.prefix,
                        pid_file=srv.pid_file)
        assert Path(srv.conf_path).read_text() == text
        assert not [p for p in os.listdir(tmp_path) if p.startswith(".saas-nginx-")]
        with pytest.raises(nginx.NginxError, match="refusing host"):
            nginx.render_servers([("evil.test;include /etc/passwd", "custom", None)],
                                 "localhost", "127.0.0.1:1", "127.0.0.1:2")
        assert get("acme.localhost").status_code == 403
        # a good change: switched in and reloaded
        newer = text.replace("server_name shop.customer.test;", "server_name shop2.customer.test;")
        assert nginx.apply(newer, srv.conf_path, srv.prefix, pid_file=srv.pid_file) is True
        assert nginx.apply(newer, srv.conf_path, srv.prefix, pid_file=srv.pid_file) is False
        # the old worker may answer a little longer: poll until the new one does
        deadline = time.monotonic() + 10
        while (get("shop2.customer.test").status_code, get("shop.customer.test").status_code) \
                != (403, 404):
            assert time.monotonic() < deadline, "nginx did not reload"
            time.sleep(0.05)
    finally:
        srv.stop()
        backend.stop()
