"""Connection helper shared by PgAdmin and TenantDatabase."""
import psycopg2

from .errors import (
    ConnectionsNotAllowedError,
    DatabaseNotFoundError,
    ServerUnreachableError,
)

CONNECT_TIMEOUT = 5


def connect(conn_params, dbname=None, autocommit=False):
    """psycopg2.connect(**conn_params) with a connect timeout, mapping failures
    to the adapters' errors.

    A failed connection carries no SQLSTATE (libpq reports the server's
    refusal as text), so the message is inspected; the cluster runs with
    English messages (lc_messages C), and anything unrecognised is reported as
    ServerUnreachableError, the safe "cannot use this server" answer.
    """
    params = dict(conn_params or {})
    params.setdefault("dbname", "postgres")
    params.setdefault("connect_timeout", CONNECT_TIMEOUT)
    if dbname is not None:
        params["dbname"] = dbname
    try:
        conn = psycopg2.connect(**params)
    except psycopg2.OperationalError as exc:
        msg = str(exc)
        where = f"{params.get('host', '')}:{params.get('port', '')}/{params['dbname']}"
        if "does not exist" in msg and "database" in msg:
            raise DatabaseNotFoundError(f"database {params['dbname']!r} does not exist") from exc
        if "not currently accepting connections" in msg:
            raise ConnectionsNotAllowedError(
                f"database {params['dbname']!r} does not accept connections") from exc
        raise ServerUnreachableError(f"cannot connect to {where}: {msg.strip()}") from exc
    conn.autocommit = autocommit
    return conn


def is_connection_lost(exc):
    """True for errors meaning the server went away mid-session (no SQLSTATE,
    or the 08xxx connection exception class)."""
    if isinstance(exc, psycopg2.InterfaceError):
        return True
    code = getattr(exc, "pgcode", None)
    return isinstance(exc, psycopg2.OperationalError) and (code is None or code.startswith("08"))
