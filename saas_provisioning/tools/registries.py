"""This process's registries of tenant databases: loaded ahead (the warm
pool) and forgotten when their database goes (a dropped clone, a database
replaced by a restore).  Used by saas_provisioning and saas_backup."""
import logging
import threading

from odoo import SUPERUSER_ID, api, sql_db
from odoo.modules.registry import Registry

_logger = logging.getLogger(__name__)

# What the first request of a tenant builds besides its registry, and a
# customisation does not invalidate (it signals the 'default' cache only):
# the routing map and the compiled templates of the login page.
LOGIN_TEMPLATES = ("web.login", "web.login_layout", "web.frontend_layout", "web.layout")


def warm(dbname):
    """Load ``dbname``'s registry in this process, with its routing map and
    login page templates, in a thread that serves that database as a
    request for it would (saas_router gives such a thread the tenant's role
    only).  Errors are logged: a cold registry only costs the first request
    its load."""

    def load():
        try:
            registry = Registry(dbname)
            with registry.cursor() as cr:
                # the context of an anonymous request (its template cache key)
                env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
                env["ir.http"].routing_map()
                for template in LOGIN_TEMPLATES:
                    env["ir.qweb"]._compile(template)
        except Exception:  # noqa: BLE001
            _logger.warning("warm pool: cannot warm the registry of %s", dbname, exc_info=True)

    thread = threading.Thread(target=load, name="saas-warm-registry", daemon=True)
    thread.dbname = dbname
    thread.start()
    thread.join()


def forget_database(dbname):
    """Drop this process's registry and pooled connections of ``dbname``
    (it may serve that tenant): the database is about to be dropped or
    replaced, and open connections would each delay that."""
    Registry.delete(dbname)
    sql_db.close_db(dbname)
