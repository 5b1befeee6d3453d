"""One HTTP attempt of one webhook message (plain Python).

``send`` never raises for the receiver's sake: it returns an Attempt saying
what happened and whether a retry makes sense (5xx, 429, network errors,
timeouts: yes; other 4xx, refused URLs, redirects: no).
"""
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from .backoff import is_retryable_status
from .ssrf import UnsafeURL, _addresses, check_url, connect_host

BODY_LIMIT = 2000


@dataclass
class Attempt:
    ok: bool
    retryable: bool
    status: int = 0
    body: str = ""
    error: str = ""
    duration_ms: int = 0
    retry_after: float = 0.0  # seconds asked by a 429/503 Retry-After header


def retry_after_seconds(value):
    """Seconds of a Retry-After header given in seconds (an HTTP date or
    garbage: 0, the backoff decides)."""
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 0.0


class PinnedAdapter(HTTPAdapter):
    """Opens each new connection to the address the SSRF guard has just
    checked (``pins``: host -> address), not to what DNS answers a moment
    later: no window for DNS rebinding.  urllib3 1.26 connects to
    ``_dns_host`` and derives Host, SNI and the certificate check from it too,
    so those are given the real name back: ``server_hostname`` here, the Host
    header in ``send``.  A connection to a name that is not pinned is
    refused (no DNS lookup at all): a pin that does not match fails closed."""

    def __init__(self, *args, **kwargs):
        self.pins = {}
        super().__init__(*args, **kwargs)

    def get_connection(self, url, proxies=None):
        pool = super().get_connection(url, proxies)
        if not getattr(pool, "_saas_pinned", False):
            new_conn, pins = pool._new_conn, self.pins

            def pinned_conn():
                conn = new_conn()
                name = conn._dns_host
                if name not in pins:
                    raise UnsafeURL(f"host {name} was not checked before connecting")
                conn._dns_host = pins[name]
                conn.server_hostname = name  # TLS: SNI and certificate
                return conn

            pool._new_conn = pinned_conn
            pool._saas_pinned = True
        return pool


def _host_header(url):
    """Host as sent on the wire: the IDNA-encoded name requests connects
    to (a non-ASCII header would not even be encodable), with the port."""
    prepared = requests.models.PreparedRequest()
    prepared.prepare_url(url, None)
    return urlsplit(prepared.url).netloc


def new_session():
    session = requests.Session()
    adapter = PinnedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def send(url, headers, body, timeout=10.0, allow_private=False, session=None,
         resolve=_addresses):
    start = time.monotonic()

    def done(**kw):
        return Attempt(duration_ms=int((time.monotonic() - start) * 1000), **kw)

    session = session or new_session()
    try:
        addresses = check_url(url, allow_private=allow_private, resolve=resolve)
        adapter = session.get_adapter(url)
        if isinstance(adapter, PinnedAdapter):
            adapter.pins[connect_host(url)] = addresses[0]
            headers = dict(headers, Host=_host_header(url))
    except UnsafeURL as err:
        # a name that no longer resolves may come back: retry; a public
        # name turned private is refused for good
        retryable = "does not resolve" in str(err)
        return done(ok=False, retryable=retryable, error=f"refused: {err}")
    try:
        response = session.post(
            url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except UnsafeURL as err:  # the connection was not to the pinned name
        return done(ok=False, retryable=False, error=f"refused: {err}")
    except requests.RequestException as err:
        return done(ok=False, retryable=True, error=f"{type(err).__name__}: {err}"[:BODY_LIMIT])
    text = response.text[:BODY_LIMIT] if response.content else ""
    status = response.status_code
    if 200 <= status < 300:
        return done(ok=True, retryable=False, status=status, body=text)
    return done(ok=False, retryable=is_retryable_status(status), status=status, body=text,
                error=f"HTTP {status}",
                retry_after=retry_after_seconds(response.headers.get("retry-after")))
