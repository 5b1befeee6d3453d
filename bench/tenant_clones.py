"""Many tenants, made the way saas_provisioning makes them, for benchmarks.

Imported by bench scripts after Odoo's configuration is parsed (it uses the
adapters of saas_provisioning and the names of saas_router).
"""
import time

from odoo.addons.saas_provisioning.adapters import PgAdmin, TenantDatabase
from odoo.addons.saas_provisioning.tools import odoo_cli
from odoo.addons.saas_router import credentials, routing


def build_base_template(params, tpl, adjust=None):
    """The smallest tenant template (``saas_tenant``, which the router
    requires in every tenant registry, and what it depends on): objects
    owned by the template owner role, our settings table, closed to
    connections.  ``adjust(cursor)`` runs in it
    (trusted) before it is closed.  Returns the seconds it took."""
    t0 = time.perf_counter()
    pg = PgAdmin(params)
    owner = credentials.template_owner_role()
    pg.ensure_role(owner)
    pg.create_database(tpl)
    tpl_db = TenantDatabase(params, tpl)
    tpl_db.prepare_template(owner)
    odoo_cli.install(params, tpl, ["saas_tenant"], template_owner=owner)
    tpl_db.finish_template(owner)
    if adjust:
        with tpl_db._transaction(trusted=True) as cr:
            adjust(cr)
    tpl_db.write_settings({"suspended": "0"}, trusted=True)
    pg.terminate_connections(tpl)
    pg.allow_connections(tpl, False)
    return time.perf_counter() - t0


def clone_tenants(params, tpl, subdomains):
    """One tenant database per subdomain, owned by its own LOGIN role (the
    router would serve it), named as the control plane names them (opaque,
    ``routing.new_tenant_db_name``).  Returns (database names in the order
    of ``subdomains``, seconds)."""
    t0 = time.perf_counter()
    pg = PgAdmin(params)
    owner = credentials.template_owner_role()
    names = [routing.new_tenant_db_name() for _sub in subdomains]
    for name in names:
        role = credentials.tenant_role_name(name)
        pg.ensure_role(role, credentials.scram_verifier(credentials.tenant_role_password(role)))
        pg.create_from_template(name, tpl, owner=role)
        pg.close_to_others(name)
        TenantDatabase(params, name).hand_over(owner, role)
        pg.set_login(role, True)
    return names, time.perf_counter() - t0
