"""saas_dns/tools/proofs.py without a registry, under a fixed clock: a
pending claim expires after 72 h; a verified domain's proof, asked again of
a real PowerDNS on loopback, lapses after 3 days gone, and a silent DNS
server neither starts nor clears the count."""
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from plainimport import load_file, load_package  # noqa: E402

servers = load_file("saas_dns_test_servers", REPO / "saas_dns/tests/servers.py")
providers = load_package("saas_dns_providers", REPO / "saas_dns/providers")
load_package("saas_dns_tools", REPO / "saas_dns/tools")
import saas_dns_tools.proofs as proofs  # noqa: E402
import saas_dns_tools.verify as verify  # noqa: E402

T0 = datetime(2026, 2, 28, 23, 30)  # a fixed clock, across a month's end


def test_pending_claims_expire_after_72_hours():
    assert not proofs.pending_expired(T0, T0 + timedelta(hours=71, minutes=59))
    assert proofs.pending_expired(T0, T0 + timedelta(hours=72))
    assert proofs.pending_expired(T0, T0 + timedelta(days=30))


def test_outcome_counts_three_days_from_the_first_miss():
    assert proofs.outcome(True, None, T0) == (proofs.KEPT, None)
    assert proofs.outcome(False, None, T0) == (proofs.MISSING, T0)
    assert proofs.outcome(False, T0, T0 + timedelta(days=2, hours=23)) == (proofs.MISSING, T0)
    assert proofs.outcome(False, T0, T0 + timedelta(days=3)) == (proofs.LAPSED, T0)
    # back in time: the count starts again at the next miss
    assert proofs.outcome(True, T0, T0 + timedelta(days=2)) == (proofs.KEPT, None)
    # the DNS server did not answer: nothing learnt, nothing changed
    assert proofs.outcome(None, None, T0) == (proofs.UNKNOWN, None)
    assert proofs.outcome(None, T0, T0 + timedelta(days=5)) == (proofs.UNKNOWN, T0)


@pytest.fixture(scope="module")
def pdns():
    srv = servers.PowerDnsServer().start()
    yield srv
    srv.stop()


def test_recheck_against_a_real_dns_server(pdns):
    provider = providers.make_provider("powerdns", api_url=pdns.api_url, api_key=pdns.api_key)
    provider.ensure_zone("proofs.test")
    token, domain = verify.new_token(), "erp.proofs.test"

    def recheck(since, now, port=pdns.dns_port):
        return proofs.recheck(domain, token, "acme.localhost", "127.0.0.1", port, since, now,
                              timeout=0.5)

    provider.replace_record("proofs.test", verify.txt_name(domain), "TXT", [token])
    assert recheck(None, T0) == (proofs.KEPT, None, "TXT")
    provider.delete_record("proofs.test", verify.txt_name(domain), "TXT")
    assert recheck(None, T0) == (proofs.MISSING, T0, "nothing")
    day3 = T0 + timedelta(days=3)
    # a server that does not answer on day 3: not counted
    result, since, found = recheck(T0, day3, port=servers.free_port())
    assert (result, since) == (proofs.UNKNOWN, T0) and "did not answer" in found
    assert recheck(T0, day3)[:2] == (proofs.LAPSED, T0)
    # a CNAME to the tenant's own name is a proof too
    provider.replace_record("proofs.test", domain, "CNAME", ["acme.localhost"])
    assert recheck(T0, day3) == (proofs.KEPT, None, "CNAME")
