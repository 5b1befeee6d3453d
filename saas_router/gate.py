"""A tenant database is used only while the route map serves it and its
registry is sound, whichever door asks for it.

- HTTP by host: ``routing`` answers a suspended or tampered host with the
  router's page without opening the database.
- Registries: ``Registry.new`` is wrapped.  A tenant registry that loaded
  without ``saas_tenant`` (or with a module outside the tenant's policy:
  ``modules.registry_refusal``) is dropped at once and remembered as
  tampered in this process until the route map changes; every door then
  finds no registry (``TenantTampered``, an OperationalError, which Odoo's
  HTTP layer turns into "no database": the router's page).  Crons of that
  database fail the same way.
- RPC by database name (``/xmlrpc/2/object``, ``/jsonrpc`` name the
  database in their parameters, on any host): ``odoo.service.model`` and
  ``common`` dispatch refuse a tenant database that no host of the map
  serves, before anything of it is loaded.

The master learns of a tampered tenant from its own reading of the
tenant's modules (saas_provisioning's usage sweep), which marks the
instance and puts its hosts in the map as tampered.
"""
import logging
import threading

import psycopg2

from odoo import sql_db
from odoo.exceptions import AccessDenied
from odoo.modules import registry as odoo_registry
from odoo.service import common as odoo_common
from odoo.service import model as odoo_model

from . import modules, notice, routing

_logger = logging.getLogger(__name__)


class TenantTampered(psycopg2.OperationalError):
    """The registry of a tenant database may not be served."""


_tampered = {}  # database -> reason, in this process
_tampered_lock = threading.Lock()


def tampered(dbname):
    """The reason this process refused ``dbname``'s registry, or None."""
    return _tampered.get(dbname)


def forget(dbnames=None):
    """Forget what was found (all, or ``dbnames``): the next load checks again."""
    with _tampered_lock:
        if dbnames is None:
            _tampered.clear()
        for name in dbnames or ():
            _tampered.pop(name, None)


def _on_map_change(dropped):
    # the master acted (marked, repaired, suspended...): look again, once
    forget()
    for dbname in dropped:
        odoo_registry.Registry.delete(dbname)
        sql_db.close_db(dbname)
        _logger.info("saas_router: %s is no longer served; its registry is dropped", dbname)


_odoo_new = odoo_registry.Registry.new


def new(cls, db_name, *args, **kwargs):
    if not routing.is_tenant_db(db_name):
        return _odoo_new(db_name, *args, **kwargs)
    reason = tampered(db_name)
    if reason:
        raise TenantTampered(f"{db_name}: {reason}")
    registry = _odoo_new(db_name, *args, **kwargs)
    with registry.cursor() as cr:
        allowed, base = modules.tenant_policy(cr)
    reason = modules.registry_refusal(registry, allowed, base)
    if reason:
        _logger.error("saas_router: refused the registry of %s: %s", db_name, reason)
        with _tampered_lock:
            _tampered[db_name] = reason
        cls.delete(db_name)
        raise TenantTampered(f"{db_name}: {reason}")
    return registry


def rpc_refusal(dbname):
    """Why RPC naming ``dbname`` is refused, or None."""
    if not routing.is_tenant_db(dbname):
        return None
    state = routing.route_map.database_state(dbname)
    if state is None:
        return "This database is not served."
    if state != routing.SERVED:
        return notice.message(state)
    if tampered(dbname):
        return notice.message(notice.TAMPERED)
    return None


def _guarded(dispatch, db_index):
    def guarded(method, params):
        dbname = params[db_index] if len(params) > db_index else None
        if method not in ("version", "about") and isinstance(dbname, str):
            reason = rpc_refusal(dbname)
            if reason:
                raise AccessDenied(reason)
        return dispatch(method, params)
    guarded.saas_gate = True
    return guarded


def install():
    if getattr(odoo_model.dispatch, "saas_gate", False):
        return
    odoo_registry.Registry.new = classmethod(new)
    odoo_model.dispatch = _guarded(odoo_model.dispatch, 0)
    odoo_common.dispatch = _guarded(odoo_common.dispatch, 0)
    routing.map_listeners.append(_on_map_change)
