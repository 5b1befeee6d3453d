"""Uptime probes: is each live tenant's login page answered through the
router, and how fast?

Plain Python, one concern.  A probe is ``GET <odoo_url>/web/login`` with
the tenant's ``Host`` and the header ``X-Saas-Probe: 1``: the router
(saas_router/probe.py) serves the real login page when this process has
the tenant's registry loaded, and otherwise answers itself after a login
to the tenant's database as its role, so a sweep never loads a registry.
Up: 200 with a login form, or 200 with ``X-Saas-Probe: cold``; anything
else (the router's 403 of a suspended tenant, 503 of a refused login, a
redirect to the database selector, a timeout, a refused connection) is
down, with a short reason.

A sweep waits on the network: a few probes run at once in threads
(``PROBERS``, as usage_reader.READERS), each thread with its own
keep-alive session per server.  The caller hands plain values (no ORM
record crosses a thread).
"""
import concurrent.futures
import threading
import time

import requests

HEADER = "X-Saas-Probe"
COLD = "cold"
PROBERS = 8
TIMEOUT = 10  # seconds: a tenant slower than this is down for the probe


class Target:
    """One tenant to probe: ``key`` (the caller's: an instance id), the
    tenants' server URL and the tenant's host."""

    __slots__ = ("key", "server_url", "host")

    def __init__(self, key, server_url, host):
        self.key, self.server_url, self.host = key, server_url, host


class Outcome:
    """``up`` (bool), ``ms`` (response time, None when no answer) and
    ``error`` (why down, else None); ``cold`` when the router answered
    without the tenant's registry."""

    __slots__ = ("up", "ms", "error", "cold")

    def __init__(self, up, ms=None, error=None, cold=False):
        self.up, self.ms, self.error, self.cold = up, ms, error, cold

    def __repr__(self):
        return f"Outcome(up={self.up}, ms={self.ms}, error={self.error!r}, cold={self.cold})"


def _url(server_url):
    return (server_url or "http://127.0.0.1:8069").rstrip("/") + "/web/login"


def judge(status, headers, text):
    """(up, cold, reason) of one answer (plain values: testable alone)."""
    cold = headers.get(HEADER) == COLD
    if status == 200 and (cold or 'name="login"' in text):
        return True, cold, None
    refused = headers.get("X-Saas-Refused") or headers.get(HEADER)
    reason = f"HTTP {status}" + (f" ({refused})" if refused else "")
    if status in (301, 302, 303, 307, 308) and headers.get("Location"):
        reason += f" to {headers['Location']}"
    return False, cold, reason


def probe(target, session=None, timeout=TIMEOUT):
    """Probe one tenant; an Outcome, never an exception."""
    getter = session or requests
    started = time.monotonic()
    try:
        response = getter.get(_url(target.server_url), timeout=timeout, allow_redirects=False,
                              headers={"Host": target.host, HEADER: "1"})
    except requests.RequestException as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:200])
    ms = (time.monotonic() - started) * 1000.0
    up, cold, reason = judge(response.status_code, response.headers, response.text)
    return Outcome(up, ms, reason, cold)


def probe_all(targets, probers=PROBERS, timeout=TIMEOUT):
    """{key: Outcome} for each Target, ``probers`` at a time."""
    local = threading.local()
    sessions = []

    def one(target):
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            sessions.append(session)
        return target.key, probe(target, session, timeout)

    try:
        if len(targets) <= 1:
            return dict(one(t) for t in targets)
        with concurrent.futures.ThreadPoolExecutor(max_workers=probers) as pool:
            return dict(pool.map(one, targets))
    finally:
        for session in sessions:
            session.close()


def streak(previous, outcome):
    """The consecutive failures after ``outcome`` (0 once up again)."""
    return 0 if outcome.up else previous + 1


def hour_of(moment):
    """``moment`` (a naive UTC datetime) truncated to its hour."""
    return moment.replace(minute=0, second=0, microsecond=0)
