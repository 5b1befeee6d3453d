"""SSRF guard for webhook URLs (plain Python).

An endpoint URL must be http(s) and every address its host resolves to must
be public, unless private networks are allowed (a setting, for tests and
for operators whose receivers live in their own network).  Delivery checks
again right before each request, so a name that starts resolving to
127.0.0.1 later (DNS rebinding) is refused then too.

The name checked is the one the HTTP client will connect to
(:func:`connect_host`): requests sends a non-ASCII host as IDNA 2008
punycode, which the standard library's codec (IDNA 2003) may spell
differently.  Resolving and pinning that
exact name leaves no second DNS lookup to rebind.
"""
import ipaddress
import socket
from urllib.parse import urlsplit

from requests.exceptions import RequestException
from requests.models import PreparedRequest
from urllib3.util import parse_url


class UnsafeURL(ValueError):
    """The URL may not be called (reason in the message)."""


def _addresses(host, port):
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise UnsafeURL(f"host {host} does not resolve ({err})") from err
    return sorted({info[4][0].split("%")[0] for info in infos})


def is_public(address):
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def connect_host(url):
    """The host name requests/urllib3 open the connection to for ``url``:
    IDNA-encoded as requests does (IDNA 2008, UTS 46), lower case, a
    trailing dot kept (urllib3 resolves ``_dns_host`` with it), without the
    IPv6 brackets."""
    prepared = PreparedRequest()
    try:
        prepared.prepare_url(url, None)
        host = parse_url(prepared.url).host or ""
    except (RequestException, ValueError) as err:
        raise UnsafeURL(f"malformed URL: {err}") from err
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host.lower()


def check_url(url, allow_private=False, resolve=_addresses):
    """Return the addresses ``url``'s host (as :func:`connect_host` spells
    it) resolves to; UnsafeURL if the URL
    is malformed, not http(s), or reaches a non-public address (private,
    loopback, link-local, reserved...) while ``allow_private`` is false."""
    try:
        parts = urlsplit(url or "")
        port = parts.port
    except ValueError as err:
        raise UnsafeURL(f"malformed URL: {err}") from err
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("the URL must start with http:// or https://")
    if not parts.hostname:
        raise UnsafeURL("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeURL("the URL may not carry credentials")
    port = port or (443 if parts.scheme == "https" else 80)
    host = connect_host(url)
    if not host:
        raise UnsafeURL("the URL has no host")
    addresses = resolve(host, port)
    if not addresses:
        raise UnsafeURL(f"host {parts.hostname} does not resolve")
    if not allow_private:
        private = [a for a in addresses if not is_public(a)]
        if private:
            raise UnsafeURL(
                f"host {parts.hostname} resolves to a non-public address "
                f"({', '.join(private)}); allow private networks in the settings "
                "to deliver there")
    return addresses
