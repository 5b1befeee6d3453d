"""The master's uptime probe, answered by the router without loading a
registry.

The master asks every live tenant's login page through the router every
few minutes (saas_provisioning's uptime sweep), with the request header
``X-Saas-Probe: 1``.  Answering ``/web/login`` needs the tenant's registry;
loading one costs 0.2-0.4 s and memory for as long as it stays in the LRU,
so a sweep over a thousand tenants must never load one.  So, for a probe of
a host the router serves (the map says served, the database is routable:
``routing.db_filter`` already decided, as for any request):

- the registry is loaded and ready in this process: the request goes on
  as any other and the real login page answers (its time is the customer's);
- it is not: the router answers itself, after a login to the tenant's
  database as the tenant's role (``SELECT 1``, a connection of its own,
  closed at once, never pooled): 200 and ``X-Saas-Probe: cold`` when the
  database accepts the tenant, 503 and ``X-Saas-Probe: refused`` when not.

Every other answer is the router's or Odoo's usual one (the suspended page,
a redirect to the database selector for a host that reaches no database):
the probe reads those as "down".  The header grants nothing: anyone who
sends it gets, at most, a cheaper answer than the login page.
"""
import logging

import psycopg2
from werkzeug.wrappers import Response

from odoo import http, sql_db

from . import routing

_logger = logging.getLogger(__name__)

HEADER = "X-Saas-Probe"
ENVIRON_KEY = "HTTP_X_SAAS_PROBE"
COLD, REFUSED = "cold", "refused"
CONNECT_TIMEOUT = 5  # seconds: a probe waits no longer on PostgreSQL


def registry_ready(dbname):
    """Whether this process holds ``dbname``'s registry, loaded and ready
    (read under the LRU's lock: another thread may be adding one)."""
    from odoo.modules.registry import Registry  # noqa: PLC0415

    registries = Registry.registries
    with registries._lock:
        registry = registries.d.get(dbname)
    return registry is not None and bool(registry.ready)


def database_answers(dbname):
    """Log in to ``dbname`` as Odoo would reach it (a tenant database: as
    its role, ``connections``) and run ``SELECT 1``; None, or the error."""
    _db, info = sql_db.connection_info_for(dbname)
    try:
        conn = psycopg2.connect(connect_timeout=CONNECT_TIMEOUT, **info)
    except psycopg2.Error as exc:
        return str(exc).strip() or type(exc).__name__
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1")
            cr.fetchone()
        return None
    except psycopg2.Error as exc:
        return str(exc).strip() or type(exc).__name__
    finally:
        conn.close()


def cold_answer(dbname):
    """The router's own answer to a probe of a tenant whose registry this
    process has not loaded."""
    error = database_answers(dbname)
    headers = {"Cache-Control": "no-store", HEADER: REFUSED if error else COLD}
    if error:
        _logger.info("probe: %s refused its role's login: %s", dbname, error)
        return Response("refused\n", status=503, headers=headers, content_type="text/plain")
    return Response("ok\n", status=200, headers=headers, content_type="text/plain")


def is_probe(environ):
    return bool(environ.get(ENVIRON_KEY))


_odoo_serve_db = http.Request._serve_db


def _serve_db(self):
    if is_probe(self.httprequest.environ) and routing.is_tenant_db(self.db) \
            and not registry_ready(self.db):
        return cold_answer(self.db)
    return _odoo_serve_db(self)


def install():
    if http.Request._serve_db is not _serve_db:
        http.Request._serve_db = _serve_db
