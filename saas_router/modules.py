"""Which addons a tenant may install, enforced where Odoo loads modules.

Every addon of the server is on the addons path of every database it serves,
the master's own included (saas_provisioning would hand a tenant the doors to
the master's PostgreSQL).  A tenant may newly install only:

- the modules named in its setting ``allowed_modules`` (comma separated,
  written by the master into ``saas_control.tenant_setting``, which the tenant can
  read but not change), when the master set one;
- otherwise Odoo's own addons (the folders of ``base`` and ``web``).

Modules already installed (those of the template) always load.  The check
sits in ``Graph.add_modules``, through which every module Odoo loads passes
(the Apps button, RPC, a state set to 'to install' in SQL followed by an
upgrade, ``-i`` on the command line): a refused module is put back to
'uninstalled' and never imported into the tenant's registry.
"""
import logging
import os

from odoo.modules import graph as odoo_graph
from odoo.modules import module as odoo_module

from . import routing

_logger = logging.getLogger(__name__)

# the master's settings in a tenant (saas_tenant/limits.py reads them too;
# the table's definition is docs/ARCHITECTURE.md's "saas_tenant" section)
SETTINGS_SCHEMA = "saas_control"
SETTINGS_TABLE = f"{SETTINGS_SCHEMA}.tenant_setting"
ALLOWED_KEY = "allowed_modules"


def odoo_addons_dirs():
    dirs = set()
    for name in ("base", "web"):
        path = odoo_module.get_module_path(name, display_warning=False)
        if path:
            dirs.add(os.path.dirname(os.path.realpath(path)))
    return dirs


def parse_allowed(value):
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def is_allowed(name, allowed=None, addons_dirs=None):
    """May a tenant newly install module ``name``?  ``allowed``: the names
    of its ``allowed_modules`` setting, None when the master set none."""
    if allowed is not None:
        return name in allowed
    path = odoo_module.get_module_path(name, display_warning=False)
    if not path:
        return False
    dirs = odoo_addons_dirs() if addons_dirs is None else addons_dirs
    return os.path.dirname(os.path.realpath(path)) in dirs


def tenant_allowed(cr):
    """The tenant's ``allowed_modules`` setting (a set), or None."""
    cr.execute("SELECT to_regclass(%s)", [SETTINGS_TABLE])
    if cr.fetchone()[0] is None:
        return None
    cr.execute(f"SELECT value FROM {SETTINGS_TABLE} WHERE key = %s", [ALLOWED_KEY])
    row = cr.fetchone()
    return parse_allowed(row[0]) if row else None


def refused_modules(cr, module_list):
    """The modules of ``module_list`` that are about to be installed in a
    tenant database and may not be."""
    if not routing.is_tenant_db(cr.dbname):
        return []
    cr.execute("SELECT name FROM ir_module_module WHERE state = 'to install' AND name = ANY(%s)",
               [list(module_list)])
    to_install = [name for (name,) in cr.fetchall()]
    if not to_install:
        return []
    allowed, dirs = tenant_allowed(cr), odoo_addons_dirs()
    return [name for name in to_install if not is_allowed(name, allowed, dirs)]


_odoo_add_modules = odoo_graph.Graph.add_modules


def add_modules(self, cr, module_list, force=None):
    refused = refused_modules(cr, module_list)
    if refused:
        _logger.warning("saas_router: %s may not install %s; left uninstalled",
                        cr.dbname, ", ".join(sorted(refused)))
        cr.execute("UPDATE ir_module_module SET state = 'uninstalled' WHERE name = ANY(%s)",
                   [refused])
        module_list = [name for name in module_list if name not in refused]
    return _odoo_add_modules(self, cr, module_list, force)


def install():
    if odoo_graph.Graph.add_modules is not add_modules:
        odoo_graph.Graph.add_modules = add_modules
