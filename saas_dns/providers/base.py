"""The interface every DNS provider implements, and name helpers.

Names given to and returned by providers are absolute, lower case, without
the trailing dot (``shop.example.com``); a wildcard is ``*.example.com``.
"""
import re
from dataclasses import dataclass, field

RTYPES = ("A", "AAAA", "CNAME", "TXT")
_LABEL = re.compile(r"^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)$")


class DnsError(Exception):
    """A provider refused or could not be reached; the message says which
    and why, without credentials."""


@dataclass(frozen=True)
class Record:
    name: str
    rtype: str
    values: tuple = field(default_factory=tuple)
    ttl: int = 300


def absolute(name):
    """Check and normalise a DNS name: lower case, no trailing dot."""
    name = (name or "").strip().lower().rstrip(".")
    labels = name.split(".")
    if not name or len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise DnsError(f"invalid DNS name: {name!r}")
    if "*" in labels[1:]:
        raise DnsError(f"a wildcard may only be the first label: {name!r}")
    return name


def relative(name, zone):
    """``name`` must lie in ``zone`` (or be its apex)."""
    name, zone = absolute(name), absolute(zone)
    if name != zone and not name.endswith("." + zone):
        raise DnsError(f"{name} is not in the zone {zone}")
    return name


def check_record(name, rtype, values, zone):
    name = relative(name, zone)
    if rtype not in RTYPES:
        raise DnsError(f"unsupported record type {rtype!r}")
    values = tuple(values)
    if not values or any(not isinstance(v, str) or not v.strip() for v in values):
        raise DnsError(f"record {name} {rtype}: no value")
    if rtype == "CNAME" and len(values) != 1:
        raise DnsError(f"record {name} CNAME: exactly one target")
    return name, values


def quote_txt(value):
    """TXT content in zone-file form: one quoted string."""
    if value.startswith('"') and value.endswith('"'):
        return value
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


def unquote_txt(value):
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


class DnsProvider:
    """One DNS zone's records at one provider."""

    #: the provider's name, for messages
    kind = "?"

    def replace_record(self, zone, name, rtype, values, ttl=300):
        """Make ``values`` the only values of (name, rtype); idempotent.
        Returns a change token for :meth:`wait`."""
        raise NotImplementedError

    def delete_record(self, zone, name, rtype):
        """Remove (name, rtype); nothing to remove is fine."""
        raise NotImplementedError

    def list_records(self, zone):
        """Every record of ``zone`` as :class:`Record` (values sorted)."""
        raise NotImplementedError

    def wait(self, change, timeout=60):
        """Return once ``change`` is served (no-op where changes are
        immediate)."""
        return True

    def get_record(self, zone, name, rtype):
        name = absolute(name)
        for record in self.list_records(zone):
            if record.name == name and record.rtype == rtype:
                return record
        return None
