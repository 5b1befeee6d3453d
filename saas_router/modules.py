"""Which addons may enter a tenant's registry, enforced where Odoo loads modules.

Every addon of the server is on the addons path of every database it serves,
the master's own included (saas_provisioning would hand a tenant the doors to
the master's PostgreSQL).  A module loads in a tenant only if it is:

- one of the modules its clone had when the control plane customised it
  (setting ``base_modules``: read from the fresh clone of our template,
  before the tenant could change anything), or ``saas_tenant``;
- named in its setting ``allowed_modules`` (comma separated), when the
  master set one; otherwise one of Odoo's own addons (the folders of
  ``base`` and ``web``).

The settings live in ``saas_control.tenant_setting``, which the tenant can
read but not change.  The check sits in ``Graph.add_modules``, through which
every module Odoo loads passes, whatever its state says (the Apps button,
RPC, a state set to 'to install', 'to upgrade' or 'installed' in SQL, ``-i``
on the command line): a refused module is put back to 'uninstalled' and
never imported into the tenant's registry.

A registry that loaded without ``saas_tenant`` (its state set to
'uninstalled' in SQL: every limit the master set would be gone) is refused
by ``gate``: :func:`registry_refusal` says why.
"""
import logging
import os

from odoo.modules import graph as odoo_graph
from odoo.modules import module as odoo_module

from . import routing
from . import tenant_contract as contract

_logger = logging.getLogger(__name__)

# the tenant's own agent: installed in every template, always required
TENANT_ADDON = "saas_tenant"
# states of the modules Odoo loads into a registry
LOADED_STATES = ("installed", "to upgrade", "to remove")


def odoo_addons_dirs():
    dirs = set()
    for name in ("base", "web"):
        path = odoo_module.get_module_path(name, display_warning=False)
        if path:
            dirs.add(os.path.dirname(os.path.realpath(path)))
    return dirs


def parse_allowed(value):
    """A set of module names (None when there is no such setting)."""
    return contract.decode(contract.ALLOWED_MODULES, value)


def is_allowed(name, allowed=None, addons_dirs=None, base=None):
    """May module ``name`` enter a tenant's registry?  ``allowed``: the
    names of its ``allowed_modules`` setting, None when the master set none;
    ``base``: those of its ``base_modules`` setting."""
    if name == TENANT_ADDON or (base and name in base):
        return True
    if allowed is not None:
        return name in allowed
    path = odoo_module.get_module_path(name, display_warning=False)
    if not path:
        return False
    dirs = odoo_addons_dirs() if addons_dirs is None else addons_dirs
    return os.path.dirname(os.path.realpath(path)) in dirs


def tenant_policy(cr):
    """The tenant's (``allowed_modules``, ``base_modules``) settings, each a
    set or None."""
    cr.execute(contract.EXISTS_SQL, [contract.TABLE])
    if not cr.fetchone()[0]:
        return None, None
    cr.execute(contract.READ_KEYS_SQL, [[contract.ALLOWED_MODULES, contract.BASE_MODULES]])
    values = dict(cr.fetchall())
    return (contract.get(values, contract.ALLOWED_MODULES),
            contract.get(values, contract.BASE_MODULES))


def tenant_allowed(cr):
    """The tenant's ``allowed_modules`` setting (a set), or None."""
    return tenant_policy(cr)[0]


def refused_names(names, allowed, base, addons_dirs=None):
    """The names of ``names`` that may not enter the registry of a tenant
    whose policy is (``allowed``, ``base``)."""
    dirs = odoo_addons_dirs() if addons_dirs is None else addons_dirs
    return sorted(name for name in names if not is_allowed(name, allowed, dirs, base))


def refused_modules(cr, module_list):
    """The modules of ``module_list`` that may not enter this tenant
    database's registry, whatever their state."""
    if not routing.is_tenant_db(cr.dbname) or not module_list:
        return []
    allowed, base = tenant_policy(cr)
    names = set(module_list)
    if base is None:
        # customised before base_modules was written: what is installed stays
        cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed' "
                   "AND name = ANY(%s)", [list(names)])
        names -= {name for (name,) in cr.fetchall()}
    return refused_names(names, allowed, base)


def tamper_reasons(module_states, allowed, base, addons_dirs=None):
    """What is wrong with a tenant's modules, read from ``module_states``
    ({name: state} of its ``ir_module_module``): ``saas_tenant`` not
    loaded, or modules outside its policy that would load.  [] when sound."""
    reasons = []
    if module_states.get(TENANT_ADDON) not in LOADED_STATES:
        reasons.append(f"{TENANT_ADDON} is {module_states.get(TENANT_ADDON) or 'missing'}")
    loading = [name for name, state in module_states.items() if state in LOADED_STATES
               and (base is not None or state != "installed")]
    refused = refused_names(loading, allowed, base, addons_dirs)
    if refused:
        reasons.append("modules outside the plan: " + ", ".join(refused))
    return reasons


def registry_refusal(registry, allowed=None, base=None):
    """Why a loaded tenant registry may not be served, or None."""
    loaded = set(registry._init_modules)
    if TENANT_ADDON not in loaded:
        return f"{TENANT_ADDON} is not loaded"
    refused = refused_names(loaded, allowed, base)
    if refused:
        return "modules outside the plan: " + ", ".join(refused)
    return None


_odoo_add_modules = odoo_graph.Graph.add_modules


def add_modules(self, cr, module_list, force=None):
    refused = refused_modules(cr, module_list)
    if refused:
        _logger.warning("saas_router: %s may not load %s; set back to uninstalled",
                        cr.dbname, ", ".join(sorted(refused)))
        cr.execute("UPDATE ir_module_module SET state = 'uninstalled' WHERE name = ANY(%s)",
                   [refused])
        module_list = [name for name in module_list if name not in refused]
    return _odoo_add_modules(self, cr, module_list, force)


def install():
    if odoo_graph.Graph.add_modules is not add_modules:
        odoo_graph.Graph.add_modules = add_modules
