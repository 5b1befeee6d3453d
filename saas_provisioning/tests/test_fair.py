"""Fair sharing wired into the models, against the real PostgreSQL server:
the plan's connection limit on the tenant's role, and the watchdog's cron.

A tenant here is an instance record and its real role (no database is
built: the role's sessions go to `postgres`, which every role may reach).
HttpCase for its test mode: the exemption's own transaction
(``registry.cursor()``) is then the test's, as the cron's is.
"""
import select
import time
import uuid

import psycopg2

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.saas_base.models.saas_plan import MIN_TENANT_CONNECTIONS
from odoo.addons.saas_router import credentials

from .common import create_instance, create_plan, create_test_server, master_sql


@tagged("post_install", "-at_install")
class TestFairSharing(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = create_test_server(cls.env, name="Fair sharing")
        cls.plan = create_plan(cls.env, name="Fair", max_connections=MIN_TENANT_CONNECTIONS,
                               max_query_seconds=1)
        cls.unlimited = create_plan(cls.env, name="Unlimited")
        partner = cls.env["res.partner"].create({"name": "Fair customer"})
        sub = "fair-" + uuid.uuid4().hex[:8]
        cls.instance = create_instance(cls.env, sub, partner, cls.plan, name="Fair",
                                       server_id=cls.server.id, state="active")
        cls.role = cls.instance._role_name()
        cls.pg = cls.server._pg_admin()

    def setUp(self):
        super().setUp()
        self.sessions = []
        self.cursors = []  # of async sessions: kept, never closed (their session may be gone)
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        if self.pg.role_exists(self.role):
            self.pg.set_login(self.role, False)
        self._master_sql("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                         "WHERE usename = %s", [self.role])
        for conn in self.sessions:
            conn.close()
        self.pg.drop_role(self.role)

    # -- helpers --------------------------------------------------------------------

    def _master_sql(self, query, args=None):
        return master_sql(self.server, query, args)

    def _as_tenant(self, async_=False):
        params = dict(self.server._connection_params(), user=self.role,
                      password=credentials.tenant_role_password(self.role), dbname="postgres")
        conn = psycopg2.connect(async_=async_, **params)
        self.sessions.append(conn)
        if async_:
            self._wait(conn)
        return conn

    @staticmethod
    def _wait(conn):
        deadline = time.monotonic() + 30
        while conn.poll() != psycopg2.extensions.POLL_OK:
            assert time.monotonic() < deadline
            select.select([conn.fileno()], [conn.fileno()], [], 1)

    def _sleeper(self, conn=None):
        """A session of the tenant in pg_sleep, older than the plan's limit
        by the server's clock (waited for: the cron reads the real clock)."""
        conn = conn or self._as_tenant(async_=True)
        pid = conn.get_backend_pid()
        cursor = conn.cursor()
        self.cursors.append(cursor)
        cursor.execute("SELECT pg_sleep(600)")
        deadline = time.monotonic() + 30  # liveness only
        while not self._master_sql(
                "SELECT 1 FROM pg_stat_activity WHERE pid = %s AND state = 'active' "
                "AND xact_start < now() - make_interval(secs => %s)",
                [pid, self.plan.max_query_seconds]):
            self.assertLess(time.monotonic(), deadline, "the session never ran long enough")
            time.sleep(0.1)
        return pid

    def _alive(self, pid):
        return bool(self._master_sql("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]))

    def _gone(self, pid):
        deadline = time.monotonic() + 30
        while self._alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        return not self._alive(pid)

    # -- tests ------------------------------------------------------------------------

    def test_connection_limit_follows_the_plan(self):
        self.server._ensure_tenant_role(self.instance.database_name, login=True)
        self.assertEqual(self.pg.connection_limit(self.role), MIN_TENANT_CONNECTIONS)
        held = [self._as_tenant() for _ in range(MIN_TENANT_CONNECTIONS)]
        with self.assertRaisesRegex(psycopg2.OperationalError, "too many connections for role"):
            self._as_tenant()
        # the plan's value changes: every instance of the plan follows
        self.plan.max_connections = MIN_TENANT_CONNECTIONS + 2
        self.assertEqual(self.pg.connection_limit(self.role), MIN_TENANT_CONNECTIONS + 2)
        held.append(self._as_tenant())
        # the instance changes plan: no limit
        self.instance.plan_id = self.unlimited
        self.assertEqual(self.pg.connection_limit(self.role), -1)
        # reactivation resets the role, with its plan's limit
        self.instance.plan_id = self.plan
        self.pg.set_connection_limit(self.role, 1)
        self.server._ensure_tenant_role(self.instance.database_name, login=True)
        self.assertEqual(self.pg.connection_limit(self.role), MIN_TENANT_CONNECTIONS + 2)

    def test_plan_values_are_checked(self):
        for bad in (1, MIN_TENANT_CONNECTIONS - 1, -1):
            with self.subTest(bad=bad), self.assertRaisesRegex(
                    ValidationError, f"at least {MIN_TENANT_CONNECTIONS}"), self.cr.savepoint():
                self.plan.max_connections = bad
        self.assertEqual(self.plan.max_connections, MIN_TENANT_CONNECTIONS)
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError), \
                self.cr.savepoint():
            self.plan.write({"max_query_seconds": -5})
            self.plan.flush_recordset()
        self.plan.max_connections = 0  # no limit: fine

    def test_watchdog_cron_ends_overrunning_sessions_only(self):
        self.server._ensure_tenant_role(self.instance.database_name, login=True)
        # the master's own session, busy for longer than the tenant's: never touched
        master = psycopg2.connect(async_=True, **self.server._connection_params())
        self.sessions.append(master)
        self._wait(master)
        master_pid = master.get_backend_pid()
        self.cursors.append(master.cursor())
        self.cursors[-1].execute("SELECT pg_sleep(60)")
        self.addCleanup(self._master_sql, "SELECT pg_cancel_backend(%s)", [master_pid])
        overrunning = self._sleeper()

        ended = self.env["saas.instance"]._cron_watchdog()
        self.assertEqual([(e["pid"], e["role"]) for e in ended], [(overrunning, self.role)])
        self.assertTrue(self._gone(overrunning))
        self.assertTrue(self._alive(master_pid))
        log = self.instance.log_ids.filtered(lambda line: line.operation == "watchdog")
        self.assertEqual(len(log), 1)
        self.assertIn(f"Session {overrunning} ", log.message)
        self.assertIn("plan allows 1 s", log.message)

        with self.instance._watchdog_exempt("test job"):
            # a job of the master as the tenant (pg_dump, odoo -u): spared
            exempt = self._sleeper()
            self.assertEqual(self.env["saas.instance"]._cron_watchdog(), [])
            self.assertTrue(self.env["saas.watchdog.exemption"].search(
                [("role", "=", self.role)]))
        self.assertTrue(self._alive(exempt))
        self.assertFalse(self.env["saas.watchdog.exemption"].search([("role", "=", self.role)]))
        # the job is over: its session is now the tenant's like any other
        ended = self.env["saas.instance"]._cron_watchdog()
        self.assertEqual([e["pid"] for e in ended], [exempt])
        self.assertTrue(self._gone(exempt))
        self.assertTrue(self._alive(master_pid))
        # a plan without a limit: nothing is ended
        self.instance.plan_id = self.unlimited
        calm = self._sleeper()
        self.assertEqual(self.env["saas.instance"]._cron_watchdog(), [])
        self.assertTrue(self._alive(calm))
