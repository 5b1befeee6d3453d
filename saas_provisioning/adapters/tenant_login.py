"""Whether a tenant's role may log in: while its tenant is served, and, while
it is not (suspended, tampered), only inside the master's own windows.

Suspension is enforced by PostgreSQL: the role becomes NOLOGIN and its
sessions are ended, so no door of any Odoo process (HTTP, RPC by database
name, crons, a pooled connection) reaches the database.  The master's own
work on a suspended tenant (its backups, a drill, ``odoo -u``, the user
count) logs in as that same role (the wall: never a master session on a
tenant's objects), so it opens a **window**: LOGIN for the time of the job.
The router and the RPC gate still refuse the tenant meanwhile (the route
map says suspended), and nobody but the master knows the role's password.

Windows, suspension and reactivation of one role are ordered by a
PostgreSQL advisory lock on the tenant's server (``LOCK_SPACE``, role):

- a window holds it shared for its whole length (on a connection of its
  own); when it ends, NOLOGIN comes back only if nobody else holds the lock
  (no other window, no reactivation under way) and the master still says
  "not served" (``is_served``, read afresh from the route map);
- :meth:`TenantLogin.lock` (suspend) ends the role's sessions and sets
  NOLOGIN only when no window is open, otherwise the last window does it
  when it ends;
- :meth:`TenantLogin.unlocked` (reactivate) holds it shared while the
  caller grants LOGIN and publishes the route: a window ending meanwhile
  cannot take the LOGIN back.
"""
import contextlib
import logging

import psycopg2
from psycopg2 import sql

from . import _pg
from .names import check_db_name

_logger = logging.getLogger(__name__)

LOCK_SPACE = 0x5AA5  # first key of the two-key advisory locks of this module
_KEY = "pg_catalog.hashtext(%s)"


class TenantLogin:
    """Login of one tenant's role on its server.

    :param conn_params: psycopg2 keyword arguments of the server (the
        master's role: member of the tenant role and of pg_signal_backend).
    :param role: the tenant's role.
    :param is_served: callable -> bool, the master's truth (the route map),
        read when a window ends.
    """

    def __init__(self, conn_params, role, is_served):
        self.conn_params = dict(conn_params or {})
        self.role = check_db_name(role)
        self.is_served = is_served

    @contextlib.contextmanager
    def _session(self):
        conn = _pg.connect(self.conn_params, dbname="postgres", autocommit=True)
        try:
            with conn.cursor() as cr:
                yield cr
        finally:
            conn.close()

    def _set_login(self, cr, allowed):
        cr.execute(sql.SQL("ALTER ROLE {} {}").format(
            sql.Identifier(self.role), sql.SQL("LOGIN" if allowed else "NOLOGIN")))

    def _can_login(self, cr):
        cr.execute("SELECT rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = %s", [self.role])
        row = cr.fetchone()
        return bool(row and row[0])

    def _end_sessions(self, cr):
        cr.execute("SELECT count(*) FILTER (WHERE pg_catalog.pg_terminate_backend(pid, 5000)) "
                   "FROM pg_catalog.pg_stat_activity WHERE usename = %s "
                   "AND pid <> pg_catalog.pg_backend_pid()", [self.role])
        return cr.fetchone()[0]

    def _lock_if_idle(self, cr):
        """NOLOGIN and no session left, if no window nor reactivation holds
        the lock.  Returns True when done, False when left to them."""
        cr.execute(f"SELECT pg_catalog.pg_try_advisory_lock(%s, {_KEY})", [LOCK_SPACE, self.role])
        if not cr.fetchone()[0]:
            return False
        try:
            if self.is_served():
                return True  # reactivated meanwhile: nothing to take back
            if self._can_login(cr):  # (a role already gone may log in even less)
                self._set_login(cr, False)
            ended = self._end_sessions(cr)
            if ended:
                _logger.info("tenant login: ended %s session(s) of %s", ended, self.role)
            return True
        finally:
            cr.execute(f"SELECT pg_catalog.pg_advisory_unlock(%s, {_KEY})",
                       [LOCK_SPACE, self.role])

    def lock(self):
        """Suspension: NOLOGIN and the role's sessions ended, now if no
        master window is open, else when the last one ends."""
        with self._session() as cr:
            return self._lock_if_idle(cr)

    @contextlib.contextmanager
    def unlocked(self):
        """Reactivation: the caller grants LOGIN (making the role as the
        pipeline does: ``PgAdmin.ensure_role``) and makes the tenant served
        (publishes its route) inside, held against windows ending
        meanwhile."""
        with self._session() as cr:
            cr.execute(f"SELECT pg_catalog.pg_advisory_lock_shared(%s, {_KEY})",
                       [LOCK_SPACE, self.role])
            yield

    @contextlib.contextmanager
    def window(self):
        """The master's own work as the tenant while it is not served: LOGIN
        for the length of the block (nothing to do when it may log in)."""
        with self._session() as cr:
            cr.execute(f"SELECT pg_catalog.pg_advisory_lock_shared(%s, {_KEY})",
                       [LOCK_SPACE, self.role])
            opened = not self._can_login(cr)
            if opened:
                self._set_login(cr, True)
            try:
                yield
            finally:
                cr.execute(f"SELECT pg_catalog.pg_advisory_unlock_shared(%s, {_KEY})",
                           [LOCK_SPACE, self.role])
                if opened or not self.is_served():
                    try:
                        self._lock_if_idle(cr)
                    except psycopg2.Error:
                        _logger.exception("tenant login: could not lock %s again", self.role)
