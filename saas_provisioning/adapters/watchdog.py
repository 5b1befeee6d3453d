"""Fair sharing of one PostgreSQL server between tenants: the watchdog.

A tenant's administrator runs SQL in its own database and may set its own
``statement_timeout`` to 0, so a session setting enforces nothing.  One pass
of the watchdog ends, in one statement on ``pg_stat_activity``, every client
session whose role (``usename``) is a tenant role of ``limits`` and whose
transaction (or, outside one, statement) has run longer than that role's
limit, while active or idle in a transaction: ``pg_terminate_backend``.

It runs as the master's role, a member of ``pg_signal_backend`` and of every
tenant role (so it sees their sessions' timings); its own role is never a
target, nor is any role absent from ``limits``.

The master's own jobs that log in as a tenant's role and may run long
(pg_dump, restores, ``odoo -u``) are spared by ``exemptions``: {role: since},
read by the caller from a table of the master database that only the master
writes (a tenant cannot reach that database).  A session of an exempt role
opened at or after ``since`` (less ``CLOCK_SLACK_SECONDS``: the master's
database and this server may have different clocks) is left alone.
``application_name`` and the like are never trusted: the tenant sets them.
"""
import datetime

from psycopg2 import sql

from . import _pg
from .errors import InvalidNameError
from .names import check_db_name

# sessions opened this long before an exemption started are still spared
CLOCK_SLACK_SECONDS = 60

_PASS = sql.SQL("""
SELECT a.pid, a.usename, a.datname, a.state,
       extract(epoch FROM {now} - coalesce(a.xact_start, a.query_start))::float8,
       l.seconds,
       pg_catalog.pg_terminate_backend(a.pid)
  FROM pg_catalog.pg_stat_activity a
  JOIN unnest(%(roles)s::text[], %(limits)s::int[]) AS l(role, seconds)
    ON l.role = a.usename
 WHERE a.backend_type = 'client backend'
   AND a.pid <> pg_catalog.pg_backend_pid()
   AND a.usename <> current_user AND a.usename <> session_user
   AND a.state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')
   AND l.seconds > 0
   AND coalesce(a.xact_start, a.query_start)
       < {now} - pg_catalog.make_interval(secs => l.seconds)
   AND NOT EXISTS (
       SELECT 1 FROM unnest(%(ex_roles)s::text[], %(ex_since)s::timestamptz[]) AS e(role, since)
        WHERE e.role = a.usename
          AND a.backend_start >= e.since - pg_catalog.make_interval(secs => %(slack)s))
 ORDER BY a.usename, a.pid
""")


def _check(limits, exemptions, master_role):
    roles, seconds = [], []
    for role, limit in sorted((limits or {}).items()):
        check_db_name(role)
        if role.startswith("pg_") or role in ("postgres", master_role):
            raise InvalidNameError(f"refusing to watch the role {role!r}")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise InvalidNameError(f"invalid limit for {role!r}: {limit!r}")
        if limit:
            roles.append(role)
            seconds.append(limit)
    ex_roles, ex_since = [], []
    for role, since in sorted((exemptions or {}).items()):
        check_db_name(role)
        if not isinstance(since, datetime.datetime):
            raise InvalidNameError(f"invalid exemption start for {role!r}: {since!r}")
        if since.tzinfo is None:  # Odoo's datetimes are naive UTC
            since = since.replace(tzinfo=datetime.timezone.utc)
        ex_roles.append(role)
        ex_since.append(since)
    return roles, seconds, ex_roles, ex_since


def end_overrunning(conn_params, limits, exemptions=None, now=None):
    """One pass: end the sessions of the roles of ``limits`` ({role: seconds},
    0 = no limit) running longer than their limit, except the exempt ones
    (``exemptions``: {role: since}).  ``now`` (a datetime; default the
    server's clock) is the moment the ages are computed at.  Returns one dict
    per ended session: pid, role, database, state, seconds (its age),
    limit, ended (False when it had gone already).  The sessions' query text
    is the tenant's data: it is not returned."""
    roles, seconds, ex_roles, ex_since = _check(limits, exemptions, conn_params.get("user"))
    if not roles:
        return []
    now_sql = sql.SQL("%(now)s::timestamptz") if now else sql.SQL("now()")
    if now and now.tzinfo is None:
        now = now.replace(tzinfo=datetime.timezone.utc)
    conn = _pg.connect(conn_params, autocommit=True)
    try:
        with conn.cursor() as cr:
            cr.execute(_PASS.format(now=now_sql), {
                "roles": roles, "limits": seconds, "ex_roles": ex_roles,
                "ex_since": ex_since, "slack": CLOCK_SLACK_SECONDS, "now": now})
            rows = cr.fetchall()
    finally:
        conn.close()
    return [{"pid": pid, "role": role, "database": dbname, "state": state,
             "seconds": age, "limit": limit, "ended": ended}
            for pid, role, dbname, state, age, limit, ended in rows]
