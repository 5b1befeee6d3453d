"""Real tenants for the tests of the loops over tenants, and what a hostile
tenant administrator does to its own database to break the master's
operations on it (it runs SQL there: server actions reach ``env.cr``)."""
from psycopg2 import sql

from odoo import sql_db
from odoo.modules.registry import Registry

from .common import create_instance, create_plan, create_test_server, provision, ready_template


def set_up_tenants(cls, label, subdomains=(), **plan_vals):
    """For a test class: ``cls.server``, ``cls.template``, ``cls.plan``
    (``plan_vals``), ``cls.customer``, and the real tenants of
    ``subdomains`` provisioned (dropped after the class), returned."""
    cls.server = create_test_server(cls.env, name=f"{label} PostgreSQL")
    cls.template = ready_template(cls.env, cls.server)
    cls.plan = create_plan(cls.env, cls.template, **dict({"name": f"{label} plan"}, **plan_vals))
    cls.customer = cls.env["res.partner"].create({
        "name": f"{label} customer", "email": f"owner@{label.lower().replace(' ', '-')}.test"})
    return new_tenants(cls, cls.plan, subdomains, cls.addClassCleanup)


def new_tenants(case, plan, subdomains, cleanup):
    """Real tenants of ``case.customer`` on ``plan``, provisioned through
    the pipeline in this order (ids ascending); ``cleanup`` drops each."""
    tenants = case.env["saas.instance"]
    for subdomain in subdomains:
        instance = create_instance(case.env, subdomain, case.customer, plan,
                                   name=f"Company {subdomain}", server_id=case.server.id)
        cleanup(drop_tenant, case.server, instance.database_name)
        tenants |= provision(instance)
    return tenants


def as_tenant(instance, statement):
    """Run ``statement`` (psycopg2.sql, ``{db}`` and ``{role}`` filled in)
    logged in as the tenant's own role, committed."""
    conn = instance._tenant_db().connect_as_tenant()
    try:
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute(sql.SQL(statement).format(
                db=sql.Identifier(instance.database_name),
                role=sql.Identifier(instance._role_name())))
    finally:
        conn.close()


def refuse_connections(instance):
    """REVOKE CONNECT on its database from its own role: the master, a
    member of that role, can no longer enter it (settings, usage, ...)."""
    as_tenant(instance, "REVOKE CONNECT ON DATABASE {db} FROM {role}")


def drop_tenant(server, dbname):
    """Drop a tenant made by a test: its registry and pooled connections in
    this process first (the test server may have served it), then the
    database, its role and its files."""
    Registry.delete(dbname)
    sql_db.close_db(dbname)
    pg = server._pg_admin()
    pg.drop(dbname)
    if pg.role_exists(dbname):
        pg.drop_role(dbname)
    server._filestore().remove(dbname)
