"""DNS providers behind one interface (plain Python, no ORM).

``make_provider(kind, **options)`` returns a :class:`DnsProvider`; every
provider replaces records (never "create": a rerun of a provisioning step
finds its record and sets it again), deletes them, lists a zone and waits
for a change to be served.
"""
from .base import DnsError, DnsProvider, Record, absolute, relative  # noqa: F401

KINDS = ("powerdns", "route53", "cloudflare")


def make_provider(kind, **options):
    if kind == "powerdns":
        from .powerdns import PowerDns  # noqa: PLC0415
        return PowerDns(**options)
    if kind == "route53":
        from .route53 import Route53  # noqa: PLC0415
        return Route53(**options)
    if kind == "cloudflare":
        from .cloudflare import Cloudflare  # noqa: PLC0415
        return Cloudflare(**options)
    raise DnsError(f"unknown DNS provider {kind!r}")
