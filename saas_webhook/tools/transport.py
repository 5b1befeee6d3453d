"""One HTTP attempt of one webhook message (plain Python).

``send`` never raises for the receiver's sake: it returns an Attempt saying
what happened and whether a retry makes sense (5xx, 429, network errors,
timeouts: yes; other 4xx, refused URLs, redirects: no).
"""
import time
from dataclasses import dataclass

import requests

from .backoff import is_retryable_status
from .ssrf import UnsafeURL, check_url

BODY_LIMIT = 2000


@dataclass
class Attempt:
    ok: bool
    retryable: bool
    status: int = 0
    body: str = ""
    error: str = ""
    duration_ms: int = 0


def send(url, headers, body, timeout=10.0, allow_private=False, session=None):
    start = time.monotonic()

    def done(**kw):
        return Attempt(duration_ms=int((time.monotonic() - start) * 1000), **kw)

    try:
        check_url(url, allow_private=allow_private)
    except UnsafeURL as err:
        # a name that no longer resolves may come back: retry; a public
        # name turned private is refused for good
        retryable = "does not resolve" in str(err)
        return done(ok=False, retryable=retryable, error=f"refused: {err}")
    try:
        response = (session or requests).post(
            url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as err:
        return done(ok=False, retryable=True, error=f"{type(err).__name__}: {err}"[:BODY_LIMIT])
    text = response.text[:BODY_LIMIT] if response.content else ""
    status = response.status_code
    if 200 <= status < 300:
        return done(ok=True, retryable=False, status=status, body=text)
    return done(ok=False, retryable=is_retryable_status(status), status=status, body=text,
                error=f"HTTP {status}")
