"""Validation of tenant subdomains (plain Python, no Odoo import).

A subdomain becomes a DNS label (``<sub>.<base_domain>``); the tenant's
database name does not hold it (``saas_router.routing.new_tenant_db_name``:
opaque).  It is held to the strict RFC 1123 host-name label syntax,
restricted to lowercase ASCII so that one subdomain has exactly one spelling:

* 3 to 63 characters (63 is the DNS label limit; callers may lower it);
* only ``a-z``, ``0-9`` and ``-``; no leading or trailing hyphen;
* no hyphens in positions 3 and 4 (``xn--`` and the other ``??--`` prefixes
  are reserved by IDNA; accepting them would allow punycode look-alikes);
* not a reserved name (infrastructure names and the configured ones).

Input is never normalised silently: ``Shop`` is refused with a request to use
lowercase rather than turned into ``shop``, so what the customer typed is
what they get.  Each refusal carries its own reason.
"""

import unicodedata

MIN_LENGTH = 3
MAX_LENGTH = 63

DEFAULT_RESERVED = frozenset(
    """
    www admin mail smtp imap pop ns1 ns2 api app static cdn ftp localhost
    master saas support help status blog docs portal test dev staging webmail
    autodiscover odoo
    """.split()
)

_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


class InvalidSubdomain(ValueError):
    """Raised by :func:`check_subdomain`; ``reason`` says what is wrong."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def parse_reserved(text):
    """Names from a setting: separated by commas, spaces or new lines."""
    if not text:
        return set()
    return {name.strip().lower() for name in text.replace(",", " ").split() if name.strip()}


def _describe(char):
    try:
        name = unicodedata.name(char)
    except ValueError:
        name = "unnamed character"
    return f"{char!r} (U+{ord(char):04X} {name})"


def check_subdomain(value, reserved=None, max_length=MAX_LENGTH):
    """Raise :class:`InvalidSubdomain` unless ``value`` is an acceptable label.

    ``reserved`` is an iterable of extra reserved names; the default list is
    always applied.  Returns ``value`` unchanged when it is valid.
    """
    if not isinstance(value, str) or not value:
        raise InvalidSubdomain("A subdomain is required.")
    # Character checks come first: they explain the most surprising refusals
    # (look-alike letters, dots, spaces) better than a length message would.
    for char in value:
        if char in _ALLOWED:
            continue
        if ord(char) > 127:
            raise InvalidSubdomain(
                f"It contains the non-ASCII character {_describe(char)}; "
                "use only the letters a-z, the digits 0-9 and hyphens "
                "(internationalised names are not supported)."
            )
        if char.isspace():
            raise InvalidSubdomain("It contains a space or other blank character.")
        if char == ".":
            raise InvalidSubdomain(
                "It contains a dot: a subdomain is a single label, without dots."
            )
        if char == "_":
            raise InvalidSubdomain("It contains an underscore: use a hyphen instead.")
        if "A" <= char <= "Z":
            raise InvalidSubdomain("It contains uppercase letters: use lowercase.")
        raise InvalidSubdomain(
            f"It contains the character {char!r}; use only the letters a-z, "
            "the digits 0-9 and hyphens."
        )
    if len(value) < MIN_LENGTH:
        raise InvalidSubdomain(f"It is too short: at least {MIN_LENGTH} characters are needed.")
    if len(value) > max_length:
        raise InvalidSubdomain(f"It is too long: at most {max_length} characters are allowed.")
    if value.startswith("-"):
        raise InvalidSubdomain("It starts with a hyphen.")
    if value.endswith("-"):
        raise InvalidSubdomain("It ends with a hyphen.")
    if value.startswith("xn--"):
        raise InvalidSubdomain("Punycode names (starting with 'xn--') are not accepted.")
    if value[2:4] == "--":
        raise InvalidSubdomain(
            "Hyphens in the third and fourth positions are reserved for "
            "internationalised names (IDNA)."
        )
    names = set(DEFAULT_RESERVED)
    if reserved:
        names |= {name.lower() for name in reserved}
    if value in names:
        raise InvalidSubdomain(f"'{value}' is a reserved name.")
    return value


def subdomain_error(value, reserved=None, max_length=MAX_LENGTH):
    """The reason ``value`` is refused, or ``None`` when it is valid."""
    try:
        check_subdomain(value, reserved, max_length=max_length)
    except InvalidSubdomain as exc:
        return exc.reason
    return None
