"""Sign-up abuse rules, in plain Python (no ORM; tested without a registry).

The controller and ``saas.signup.attempt`` feed them counts read from the
database and act on their answers:

- ``address_bucket``: the unit a rate limit counts.  An IPv4 address is one
  client; an IPv6 client usually holds a whole /64 (SLAAC, privacy
  addresses), so the 2^64 addresses of a /64 count as one.
- ``refusal``: which limit, if any, a new sign-up hits (per address bucket,
  then the global cap per hour that bounds what a botnet can do).
- ``verification_expired``: an unverified sign-up gives its name back after
  ``hours``.
"""
import ipaddress
from datetime import timedelta

IPV6_PREFIX = 64

# Refusal reasons (also stored as the attempt's result).
RATE_LIMITED = "rate_limited"
GLOBAL_CAP = "global_cap"


def address_bucket(address):
    """Rate-limit key of a client address: the IPv4 address itself, the /64
    network of an IPv6 address (IPv4-mapped ones count as their IPv4), or the
    raw value cut to 64 characters when it is no address at all."""
    raw = (address or "").strip()
    try:
        ip = ipaddress.ip_address(raw.split("%", 1)[0])
    except ValueError:
        return (raw or "unknown")[:64]
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False))
    return str(ip)


def refusal(bucket_recent, bucket_limit, global_recent, global_cap):
    """None if a new sign-up may go on, else RATE_LIMITED or GLOBAL_CAP.

    ``bucket_recent``: sign-ups of this address bucket within the window;
    ``global_recent``: accepted sign-ups of everyone within the last hour.
    A limit of 0 means no limit."""
    if bucket_limit > 0 and bucket_recent >= bucket_limit:
        return RATE_LIMITED
    if global_cap > 0 and global_recent >= global_cap:
        return GLOBAL_CAP
    return None


def verification_expired(created, now, hours):
    """Whether a sign-up made at ``created`` and still unverified at ``now``
    has expired (``hours`` <= 0: never)."""
    return hours > 0 and created + timedelta(hours=hours) <= now
