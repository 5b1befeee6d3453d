"""SSRF guard for webhook URLs (plain Python).

An endpoint URL must be http(s) and every address its host resolves to must
be public, unless private networks are allowed (a setting, for tests and
for operators whose receivers live in their own network).  Delivery checks
again right before each request, so a name that starts resolving to
127.0.0.1 later (DNS rebinding) is refused then too.
"""
import ipaddress
import socket
from urllib.parse import urlsplit


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


def check_url(url, allow_private=False, resolve=_addresses):
    """Return the addresses ``url``'s host resolves to; UnsafeURL if the URL
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
    addresses = resolve(parts.hostname, port)
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
