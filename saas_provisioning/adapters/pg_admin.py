"""PostgreSQL administration of one server, as the master needs it.

Every statement runs on an autocommit connection to the maintenance database
(CREATE/DROP/ALTER DATABASE cannot run inside a transaction block).
Identifiers always go through ``psycopg2.sql.Identifier`` and values are
query parameters; names are validated as well (defence in depth).
"""
import contextlib
import logging

import psycopg2
from psycopg2 import errorcodes, sql

from . import _pg
from .errors import (
    AdapterError,
    DatabaseExistsError,
    DatabaseInUseError,
    DatabaseNotFoundError,
    InvalidNameError,
    ServerUnreachableError,
    TemplateBusyError,
)
from .names import check_db_name

_logger = logging.getLogger(__name__)

# never touched by drop/rename/allow_connections, whatever the caller passes
PROTECTED_DATABASES = frozenset({"postgres", "template0", "template1"})


def _escape_like(value):
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _check_connection_limit(limit):
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < -1:
        raise AdapterError(f"invalid connection limit: {limit!r}")
    return limit


class PgAdmin:
    """Administration of the databases of one PostgreSQL server.

    :param conn_params: psycopg2.connect keyword arguments (host, port, user,
        password, optional dbname: the maintenance database, default
        ``postgres``).
    """

    def __init__(self, conn_params):
        self.conn_params = dict(conn_params or {})
        self.conn_params.setdefault("dbname", "postgres")
        self.conn_params.setdefault("connect_timeout", _pg.CONNECT_TIMEOUT)

    # -- plumbing ---------------------------------------------------------------

    @contextlib.contextmanager
    def _cursor(self):
        conn = _pg.connect(self.conn_params, autocommit=True)
        try:
            with conn.cursor() as cr:
                yield cr
        except psycopg2.Error as exc:
            if _pg.is_connection_lost(exc):
                raise ServerUnreachableError(f"connection lost: {exc}".strip()) from exc
            raise
        finally:
            conn.close()

    def _check_modifiable(self, dbname):
        check_db_name(dbname)
        if dbname in PROTECTED_DATABASES or dbname == self.conn_params["dbname"]:
            raise InvalidNameError(f"refusing to modify the system database {dbname!r}")
        return dbname

    # -- queries ----------------------------------------------------------------

    def ping(self):
        """Return the server version number (e.g. 150010); raises
        ServerUnreachableError when the server cannot be used."""
        with self._cursor() as cr:
            cr.execute("SHOW server_version_num")
            return int(cr.fetchone()[0])

    def system_identifier(self):
        """The cluster's identifier (pg_control_system): two servers with
        the same one are the same cluster, whatever their addresses."""
        with self._cursor() as cr:
            cr.execute("SELECT system_identifier FROM pg_control_system()")
            return int(cr.fetchone()[0])

    def exists(self, dbname):
        check_db_name(dbname)
        with self._cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
            return cr.fetchone() is not None

    def size_bytes(self, dbname):
        check_db_name(dbname)
        with self._cursor() as cr:
            # pg_database_size(name) raises on a missing database: test first
            # to give a clean error (the race is harmless, it raises anyway)
            cr.execute("SELECT pg_database_size(datname) FROM pg_database WHERE datname = %s",
                       [dbname])
            row = cr.fetchone()
        if row is None:
            raise DatabaseNotFoundError(f"database {dbname!r} does not exist")
        return int(row[0])

    def sizes_bytes(self, dbnames):
        """{name: size} of the given databases in one query (missing ones absent)."""
        names = [check_db_name(name) for name in dbnames]
        with self._cursor() as cr:
            cr.execute("SELECT datname, pg_database_size(datname) FROM pg_database "
                       "WHERE datname = ANY(%s)", [names])
            return {name: int(size) for name, size in cr.fetchall()}

    def list_databases(self, prefix=""):
        """Names of the databases starting with ``prefix`` (LIKE wildcards in
        the prefix, such as ``_``, are escaped: they match themselves)."""
        if not isinstance(prefix, str):
            raise InvalidNameError(f"invalid prefix: {prefix!r}")
        if prefix:
            check_db_name(prefix)
        with self._cursor() as cr:
            cr.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s ESCAPE '\\' "
                "ORDER BY datname",
                [_escape_like(prefix) + "%"],
            )
            return [row[0] for row in cr.fetchall()]

    def is_template(self, dbname):
        check_db_name(dbname)
        with self._cursor() as cr:
            cr.execute("SELECT datistemplate FROM pg_database WHERE datname = %s", [dbname])
            row = cr.fetchone()
        if row is None:
            raise DatabaseNotFoundError(f"database {dbname!r} does not exist")
        return bool(row[0])

    def connection_count(self, dbname):
        """Sessions on ``dbname`` other than ours."""
        check_db_name(dbname)
        with self._cursor() as cr:
            cr.execute("SELECT count(*) FROM pg_stat_activity "
                       "WHERE datname = %s AND pid <> pg_backend_pid()", [dbname])
            return cr.fetchone()[0]

    def tenant_capacity(self, prefix):
        """(bytes, sessions) of the databases named ``prefix...`` (the
        tenants'): their total size and the sessions connected to them.
        Read from the catalog without connecting to any of them (no tenant
        object touched, no tenant code run): pg_database_size needs CONNECT
        on each, which our role has through its membership of each tenant's
        role (``ensure_role``); a database we may not connect to (not ours)
        counts 0.  pg_stat_activity shows every session's database to
        anyone."""
        check_db_name(prefix)
        with self._cursor() as cr:
            cr.execute("""
                SELECT COALESCE(sum(CASE WHEN has_database_privilege(d.oid, 'CONNECT')
                                         THEN pg_database_size(d.oid) END), 0),
                       (SELECT count(*) FROM pg_stat_activity a
                         WHERE starts_with(a.datname, %s) AND a.pid <> pg_backend_pid())
                  FROM pg_database d WHERE starts_with(d.datname, %s)""", [prefix, prefix])
            size, sessions = cr.fetchone()
            return int(size), int(sessions)

    # -- changes ----------------------------------------------------------------

    def create_database(self, dbname):
        """An empty database as Odoo creates one (UTF-8, C collation, from
        template0), owned by our role, with no privilege for PUBLIC."""
        self._check_modifiable(dbname)
        try:
            with self._cursor() as cr:
                cr.execute(sql.SQL("CREATE DATABASE {} ENCODING 'unicode' LC_COLLATE 'C' "
                                   "TEMPLATE template0").format(sql.Identifier(dbname)))
                cr.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(
                    sql.Identifier(dbname)))
        except psycopg2.Error as exc:
            if exc.pgcode == errorcodes.DUPLICATE_DATABASE:
                raise DatabaseExistsError(f"database {dbname!r} already exists") from exc
            raise AdapterError(f"cannot create {dbname!r}: {exc}") from exc

    def database_owner(self, dbname):
        """Name of the role that owns ``dbname``, None when it does not exist."""
        check_db_name(dbname)
        with self._cursor() as cr:
            cr.execute("SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_catalog.pg_database "
                       "WHERE datname = %s", [dbname])
            row = cr.fetchone()
        return row[0] if row else None

    def close_to_others(self, dbname):
        """Revoke every database privilege of PUBLIC (CONNECT, TEMP) and end
        the sessions of anyone but us and the owner: only the owner (and we,
        members of it) may connect from now on."""
        self._check_modifiable(dbname)
        with self._cursor() as cr:
            cr.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(
                sql.Identifier(dbname)))
            cr.execute(
                """SELECT count(*) FILTER (WHERE pg_catalog.pg_terminate_backend(a.pid, 5000))
                     FROM pg_catalog.pg_stat_activity a
                     JOIN pg_catalog.pg_database d ON d.datname = a.datname
                    WHERE a.datname = %s AND a.pid <> pg_catalog.pg_backend_pid()
                      AND a.usesysid <> d.datdba""", [dbname])
            return cr.fetchone()[0]

    # -- roles --------------------------------------------------------------------

    @staticmethod
    def _has_role(cr, role):
        cr.execute("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = %s", [role])
        return cr.fetchone() is not None

    def _check_role(self, role):
        check_db_name(role)
        if role.startswith("pg_") or role in ("postgres", self.conn_params.get("user")):
            raise InvalidNameError(f"refusing to manage the role {role!r}")
        return role

    def ensure_role(self, role, password_verifier=None, login=False, connection_limit=-1):
        """Create ``role`` (or reset it when it exists) as a plain role: no
        CREATEDB, no CREATEROLE, member of nothing, with
        ``password_verifier`` (a SCRAM verifier: the clear password never
        reaches the server), LOGIN only if ``login`` and CONNECTION LIMIT
        ``connection_limit`` (-1: none); then make our own
        role a member of it, so that we may drop and alter what it owns.
        A role of that name with powers we never give (superuser,
        replication, RLS bypass, memberships) is refused, not reused."""
        self._check_role(role)
        # INHERIT: the owner of a database has the privileges of
        # pg_database_owner (CREATE on its public schema) only by inheritance
        attrs = sql.SQL("NOCREATEDB NOCREATEROLE INHERIT {} CONNECTION LIMIT {}").format(
            sql.SQL("LOGIN" if login else "NOLOGIN"),
            sql.Literal(_check_connection_limit(connection_limit)))
        password = sql.SQL(" PASSWORD {}").format(sql.Literal(password_verifier)) \
            if password_verifier else sql.SQL("")
        ident = sql.Identifier(role)
        with self._cursor() as cr:
            exists = self._has_role(cr, role)
            if not exists:
                try:
                    cr.execute(sql.SQL("CREATE ROLE {} {}{}").format(ident, attrs, password))
                except psycopg2.Error as exc:
                    if exc.pgcode != errorcodes.DUPLICATE_OBJECT:  # created meanwhile
                        raise AdapterError(f"cannot create role {role!r}: {exc}") from exc
                    exists = True
            if exists:
                cr.execute(
                    """SELECT r.rolsuper OR r.rolreplication OR r.rolbypassrls
                              OR EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m
                                          WHERE m.member = r.oid)
                         FROM pg_catalog.pg_roles r WHERE r.rolname = %s""", [role])
                if cr.fetchone()[0]:
                    raise AdapterError(f"role {role!r} exists with powers a tenant role never "
                                       "has; refusing to use it")
                cr.execute(sql.SQL("ALTER ROLE {} {}{}").format(ident, attrs, password))
            # USAGE (its privileges: DROP DATABASE of what it owns) and SET
            # (REASSIGN OWNED to it).  On PostgreSQL 16+ the creator of a
            # role is already a MEMBER of it, with ADMIN only (the implicit
            # grant of CREATEROLE): that is not enough.
            needed = ["USAGE", "SET"] if cr.connection.server_version >= 160000 else ["USAGE"]
            cr.execute("SELECT bool_and(pg_catalog.pg_has_role(current_user, %s, p)) "
                       "FROM unnest(%s::text[]) p", [role, needed])
            if not cr.fetchone()[0]:
                cr.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(ident))

    def set_login(self, role, allowed):
        self._check_role(role)
        with self._cursor() as cr:
            cr.execute(sql.SQL("ALTER ROLE {} {}").format(
                sql.Identifier(role), sql.SQL("LOGIN" if allowed else "NOLOGIN")))

    def set_connection_limit(self, role, limit):
        """ALTER ROLE ... CONNECTION LIMIT ``limit`` (-1: none; sessions
        already open stay).  Returns False when the role does not exist."""
        self._check_role(role)
        query = sql.SQL("ALTER ROLE {} CONNECTION LIMIT {}").format(
            sql.Identifier(role), sql.Literal(_check_connection_limit(limit)))
        with self._cursor() as cr:
            if not self._has_role(cr, role):
                return False
            cr.execute(query)
        return True

    def connection_limit(self, role):
        """The role's CONNECTION LIMIT (-1: none), None when it does not exist."""
        check_db_name(role)
        with self._cursor() as cr:
            cr.execute("SELECT rolconnlimit FROM pg_catalog.pg_roles WHERE rolname = %s", [role])
            row = cr.fetchone()
        return row[0] if row else None

    def role_exists(self, role):
        check_db_name(role)
        with self._cursor() as cr:
            return self._has_role(cr, role)

    def drop_role(self, role):
        """Drop ``role`` if it exists (idempotent); its databases must be
        dropped first.  Returns True when a role was dropped."""
        self._check_role(role)
        with self._cursor() as cr:
            if not self._has_role(cr, role):
                return False
            cr.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        _logger.info("dropped role %s", role)
        return True

    def create_from_template(self, dbname, template, owner=None):
        """CREATE DATABASE dbname TEMPLATE template [OWNER owner].

        A database born owned by its tenant's role carries, from its first
        instant, the mark that our clone step made it (only we create
        databases and roles).

        Raises TemplateBusyError when the template has other sessions
        (PostgreSQL waits up to 5 s for them to go before giving up),
        DatabaseExistsError when ``dbname`` is taken, DatabaseNotFoundError
        when the template does not exist.
        """
        self._check_modifiable(dbname)
        check_db_name(template)
        query = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(dbname), sql.Identifier(template))
        if owner:
            query += sql.SQL(" OWNER {}").format(sql.Identifier(owner))
        try:
            with self._cursor() as cr:
                cr.execute(query)
        except psycopg2.Error as exc:
            if exc.pgcode == errorcodes.OBJECT_IN_USE:
                raise TemplateBusyError(
                    f"template {template!r} is being accessed by other users") from exc
            if exc.pgcode == errorcodes.DUPLICATE_DATABASE:
                raise DatabaseExistsError(f"database {dbname!r} already exists") from exc
            if exc.pgcode == errorcodes.INVALID_CATALOG_NAME:
                raise DatabaseNotFoundError(f"template {template!r} does not exist") from exc
            raise AdapterError(f"cannot create {dbname!r} from {template!r}: {exc}") from exc

    def terminate_connections(self, dbname, timeout_ms=5000):
        """Terminate the other sessions on ``dbname``; waits (up to
        ``timeout_ms`` each) until they are gone, so that a following
        CREATE/RENAME/DROP does not race them. Returns how many were ended."""
        check_db_name(dbname)
        with self._cursor() as cr:
            return self._terminate_client_sessions(cr, dbname, timeout_ms)

    @staticmethod
    def _terminate_client_sessions(cr, dbname, timeout_ms=5000):
        # Client sessions only: an autovacuum worker (busy on a freshly
        # restored database) runs as the bootstrap superuser, which we may
        # not signal; RENAME and DROP DATABASE cancel it themselves.
        cr.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, %s)) "
            "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'",
            [int(timeout_ms), dbname],
        )
        return cr.fetchone()[0]

    def allow_connections(self, dbname, allowed):
        """ALTER DATABASE ... WITH ALLOW_CONNECTIONS. Existing sessions stay:
        call terminate_connections() to end them."""
        self._check_modifiable(dbname)
        query = sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
            sql.Identifier(dbname), sql.SQL("true" if allowed else "false"))
        self._alter(dbname, query)

    def set_is_template(self, dbname, is_template):
        self._check_modifiable(dbname)
        query = sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE {}").format(
            sql.Identifier(dbname), sql.SQL("true" if is_template else "false"))
        self._alter(dbname, query)

    def rename(self, old, new):
        """ALTER DATABASE old RENAME TO new (to switch a template atomically:
        build under a temporary name, then rename). Other sessions on ``old``
        are terminated first, as PostgreSQL refuses to rename a database in
        use."""
        self._check_modifiable(old)
        self._check_modifiable(new)
        self.terminate_connections(old)
        query = sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
            sql.Identifier(old), sql.Identifier(new))
        self._alter(old, query, new=new)

    def drop(self, dbname):
        """Drop ``dbname`` if it exists (idempotent), ending its sessions.
        Returns True when a database was dropped."""
        self._check_modifiable(dbname)
        with self._cursor() as cr:
            cr.execute("SELECT datistemplate FROM pg_database WHERE datname = %s", [dbname])
            row = cr.fetchone()
            if row is None:
                return False
            if row[0]:
                # PostgreSQL refuses to drop a database marked as template
                cr.execute(sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE false").format(
                    sql.Identifier(dbname)))
            # WITH (FORCE) (PostgreSQL 13+) terminates the remaining sessions
            # itself, atomically with the drop; terminating first as well
            # keeps the error clear on servers where FORCE is not allowed.
            self._terminate_client_sessions(cr, dbname)
            try:
                try:
                    cr.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(dbname)))
                except psycopg2.Error as exc:
                    if exc.pgcode != errorcodes.INSUFFICIENT_PRIVILEGE:
                        raise
                    cr.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(
                        sql.Identifier(dbname)))
            except psycopg2.Error as exc:
                if exc.pgcode == errorcodes.OBJECT_IN_USE:
                    raise DatabaseInUseError(f"database {dbname!r} is in use") from exc
                raise AdapterError(f"cannot drop {dbname!r}: {exc}") from exc
        _logger.info("dropped database %s", dbname)
        return True

    def _alter(self, dbname, query, new=None):
        try:
            with self._cursor() as cr:
                cr.execute(query)
        except psycopg2.Error as exc:
            if exc.pgcode == errorcodes.INVALID_CATALOG_NAME:
                raise DatabaseNotFoundError(f"database {dbname!r} does not exist") from exc
            if exc.pgcode == errorcodes.DUPLICATE_DATABASE:
                raise DatabaseExistsError(f"database {new!r} already exists") from exc
            if exc.pgcode == errorcodes.OBJECT_IN_USE:
                raise DatabaseInUseError(f"database {dbname!r} is in use") from exc
            raise AdapterError(f"cannot alter {dbname!r}: {exc}") from exc
