"""Sign-up abuse rules, in plain Python (no ORM; tested without a registry).

The controller and ``saas.signup.attempt`` feed them counts read from the
database and act on their answers:

- ``address_bucket``: the unit a rate limit counts.  An IPv4 address is one
  client; an IPv6 client usually holds a whole /64 (SLAAC, privacy
  addresses), so the 2^64 addresses of a /64 count as one.
- ``refusal``: which limit, if any, a new sign-up hits (per address bucket,
  then the global cap per hour that bounds what a botnet can do).  The
  global cap counts VERIFIED sign-ups only: unverified ones from one /48
  (many /64s) cannot use it up and block real customers.
- ``pending_refusal``: too many sign-ups of one email wait for confirmation.
- ``hold_hours`` / ``verification_expired``: an unverified sign-up holds its
  subdomain for at most ``PENDING_HOLD_MAX_HOURS``, then gives it back.
"""
import ipaddress
from datetime import timedelta

IPV6_PREFIX = 64

# Refusal reasons (also stored as the attempt's result).
RATE_LIMITED = "rate_limited"
GLOBAL_CAP = "global_cap"
PENDING_CAP = "pending_cap"

# An unverified sign-up holds its subdomain (and its link works) this long at
# most, whatever the (older, longer) setting says.
PENDING_HOLD_MAX_HOURS = 1
# Sign-ups of one email address waiting for confirmation at the same time.
PENDING_PER_EMAIL = 3


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
    ``global_recent``: sign-ups of everyone VERIFIED within the last hour.
    A limit of 0 means no limit."""
    if bucket_limit > 0 and bucket_recent >= bucket_limit:
        return RATE_LIMITED
    if global_cap > 0 and global_recent >= global_cap:
        return GLOBAL_CAP
    return None


def pending_refusal(pending_for_email, limit=PENDING_PER_EMAIL):
    """PENDING_CAP when ``pending_for_email`` unexpired, unverified sign-ups
    of the same address already wait, else None."""
    if limit > 0 and pending_for_email >= limit:
        return PENDING_CAP
    return None


def hold_hours(configured):
    """How long an unverified sign-up holds its name: the setting, capped at
    PENDING_HOLD_MAX_HOURS (a setting <= 0, once "never", gets the cap)."""
    if configured <= 0:
        return PENDING_HOLD_MAX_HOURS
    return min(configured, PENDING_HOLD_MAX_HOURS)


def verification_expired(created, now, hours):
    """Whether a sign-up made at ``created`` and still unverified at ``now``
    has expired: after ``hold_hours(hours)``, never later."""
    return created + timedelta(hours=hold_hours(hours)) <= now
