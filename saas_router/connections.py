"""Odoo reaches each tenant database as that tenant's own PostgreSQL role,
and code that runs for a tenant reaches nothing else.

Two doors of ``odoo.sql_db`` are wrapped:

- ``connection_info_for(db)``: the credentials of a connection.  A tenant
  database is reached as its role (``credentials``), on the PostgreSQL
  server the route map places it on (``db_host``/``db_port`` of its
  routes; Odoo's own when empty); and while the current
  thread serves a tenant (Odoo sets ``threading.current_thread().dbname`` for
  each HTTP request, RPC call, websocket message and cron run), every
  connection it opens uses that tenant's role, whatever database it names
  (Odoo's bus sends NOTIFY through the ``postgres`` database: the tenant role
  may connect there, as PUBLIC may, and nowhere else of ours).

- ``ConnectionPool.borrow(info)``: a thread serving a tenant may borrow only
  connections made with that tenant's role.  Python code of a tenant's
  server action can reach the process's other registries
  (``env.registry.registries[name]``, ``env.registry.new(name)``: plain
  attributes for Odoo's sandbox), whose cursors carry the master's
  credentials; this refuses them, so PostgreSQL's privileges stay the wall.
"""
import logging
import threading

import psycopg2

from odoo import sql_db

from . import credentials, routing

_logger = logging.getLogger(__name__)

_odoo_connection_info_for = sql_db.connection_info_for
_odoo_borrow = sql_db.ConnectionPool.borrow


class TenantConnectionRefused(psycopg2.OperationalError):
    """A thread serving a tenant asked for a connection as another role."""


def thread_tenant():
    """The tenant database the current thread serves, or None."""
    dbname = getattr(threading.current_thread(), "dbname", None)
    return dbname if routing.is_tenant_db(dbname) else None


def _user_of(info):
    if "dsn" in info:
        return psycopg2.extensions.parse_dsn(info["dsn"]).get("user")
    return info.get("user")


def connection_info_for(db_or_uri, readonly=False):
    db, info = _odoo_connection_info_for(db_or_uri, readonly)
    tenant = thread_tenant() or (db if routing.is_tenant_db(db) else None)
    if tenant and "dsn" not in info:
        role = credentials.tenant_role_name(tenant)
        # on the tenant's server (the route map's; Odoo's own db_host when
        # it says none): its role exists there only
        info = dict(info, user=role, password=credentials.tenant_role_password(role),
                    **routing.route_map.database_server(tenant))
    return db, info


def borrow(self, connection_info):
    tenant = thread_tenant()
    if tenant:
        role = credentials.tenant_role_name(tenant)
        if _user_of(connection_info) != role:
            _logger.warning("saas_router: refused a connection as %r to %r from a thread "
                            "serving %s", _user_of(connection_info),
                            connection_info.get("dbname"), tenant)
            raise TenantConnectionRefused(
                f"code running for {tenant} may only connect as its own role")
    return _odoo_borrow(self, connection_info)


def install():
    if sql_db.connection_info_for is not connection_info_for:
        sql_db.connection_info_for = connection_info_for
        sql_db.ConnectionPool.borrow = borrow
