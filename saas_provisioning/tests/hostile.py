"""What a hostile tenant administrator does to its own database to break
the master's operations on it (it runs SQL there: server actions reach
``env.cr``), for the tests of the loops over tenants; and the cleanup of a
tenant made by a test."""
from psycopg2 import sql

from odoo import sql_db
from odoo.modules.registry import Registry


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
