"""Ownership of a custom domain, proved in DNS (dnspython).

The customer publishes either a TXT record ``_saas-verify.<domain>`` holding
the token we gave, or a CNAME of ``<domain>`` to the tenant's own name.
Lookups go to the configured DNS server only (never the system resolver: a
test must not send a name off the machine, and production asks the
server it trusts).
"""
import secrets

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rdatatype

TXT_PREFIX = "_saas-verify"


class VerificationError(Exception):
    """The DNS server could not be asked (not: the proof is missing)."""


def new_token():
    return "saas-verify=" + secrets.token_urlsafe(24)


def txt_name(domain):
    return f"{TXT_PREFIX}.{domain}"


def query(name, rtype, server, port=53, timeout=3.0):
    """Values of (name, rtype) as the server answers them ([] if none)."""
    request = dns.message.make_query(dns.name.from_text(name), rtype)
    request.flags |= dns.flags.RD
    try:
        response = dns.query.udp(request, server, port=int(port), timeout=timeout)
        if response.flags & dns.flags.TC:
            response = dns.query.tcp(request, server, port=int(port), timeout=timeout)
    except (dns.exception.DNSException, OSError) as exc:
        raise VerificationError(f"DNS server {server}:{port} did not answer for {name}: "
                                f"{type(exc).__name__}") from exc
    wanted = dns.rdatatype.from_text(rtype)
    values = []
    for rrset in response.answer:
        if rrset.rdtype != wanted:
            continue
        for rdata in rrset:
            if wanted == dns.rdatatype.TXT:
                values.append(b"".join(rdata.strings).decode(errors="replace"))
            else:
                values.append(rdata.to_text().rstrip(".").lower())
    return values


def check_ownership(domain, token, target_host, server, port=53, timeout=3.0):
    """(True, how) when the TXT holds ``token`` or the domain is a CNAME of
    ``target_host``; (False, what was found) otherwise."""
    txt = query(txt_name(domain), "TXT", server, port, timeout)
    if token in txt:
        return True, "TXT"
    cname = query(domain, "CNAME", server, port, timeout)
    if target_host and target_host.lower().rstrip(".") in cname:
        return True, "CNAME"
    found = ", ".join([f'TXT "{v}"' for v in txt] + [f"CNAME {v}" for v in cname]) or "nothing"
    return False, found
