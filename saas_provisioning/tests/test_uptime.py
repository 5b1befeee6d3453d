"""Uptime probes against the real router (this test server) and real
tenants: a stopped tenant is reported down, alerted after 3 probes, and
recovers; a sweep over 200 tenants loads no registry."""
import time
from datetime import datetime, timedelta

import psycopg2

from odoo.modules.registry import Registry
from odoo.tests import HttpCase, tagged

from odoo.addons.saas_router import routing

from ..models.saas_instance_uptime import DOWN_AFTER
from ..tools import registries, uptime_probe
from .common import (
    create_instance,
    create_plan,
    create_test_server,
    master_sql,
    provision,
    ready_template,
)

T0 = datetime(2031, 3, 4, 10, 0, 0)  # a fixed clock: rows are keyed by hour


def loaded(dbname):
    return dbname in Registry.registries


@tagged("post_install", "-at_install")
class TestUptime(HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = create_test_server(cls.env)
        cls.template = ready_template(cls.env, cls.server, "base,web")
        cls.plan = create_plan(cls.env, cls.template, name="Uptime plan")
        cls.customer = cls.env["res.partner"].create({"name": "Uptime Customer"})
        cls.pg = cls.server._pg_admin()

    def _tenant(self, subdomain):
        instance = create_instance(self.env, subdomain, self.customer, self.plan,
                                   name=f"Company {subdomain}", server_id=self.server.id)
        self.addCleanup(self._drop, instance.database_name)
        provision(instance)
        return instance

    def _drop(self, dbname):
        registries.forget_database(dbname)
        self.pg.drop(dbname)
        self.pg.drop_role(dbname)
        self.server._filestore().remove(dbname)

    def _sessions_as(self, role):
        """Sessions of ``role`` once the ones closing have gone (a backend
        leaves pg_stat_activity just after its client closed)."""
        for _attempt in range(50):
            count = master_sql(self.server, "SELECT count(*) FROM pg_stat_activity "
                               "WHERE usename = %s", [role])[0][0]
            if not count:
                return 0
            time.sleep(0.1)
        return count

    def _master_commit(self, query, args):
        conn = psycopg2.connect(**self.server._connection_params(self.env.cr.dbname))
        try:
            with conn, conn.cursor() as cr:
                cr.execute(query, args)
        finally:
            conn.close()

    def _down_activities(self, instance):
        return instance.activity_ids.filtered(lambda a: a.summary and "down" in a.summary)

    def test_stopped_tenant_down_then_recovers(self):
        instance = self._tenant("uptime-stop")
        db = instance.database_name
        # verify loaded the registry: a probe then gets the real login page
        self.assertTrue(loaded(db))
        outcome = instance._probe_uptime(now=T0)[instance.id]
        self.assertTrue(outcome.up, outcome)
        self.assertFalse(outcome.cold)

        # not loaded (as after a restart): the router answers without loading it
        registries.forget_database(db)
        outcome = instance._probe_uptime(now=T0 + timedelta(minutes=5))[instance.id]
        self.assertTrue(outcome.up, outcome)
        self.assertTrue(outcome.cold)
        self.assertFalse(loaded(db), "a probe loaded the tenant's registry")
        self.assertEqual(self._sessions_as(db), 0, "the probe's login was left open")

        # stopped: its role may not log in any more (the router then finds no database)
        self.pg.set_login(db, False)
        self.addCleanup(self.pg.set_login, db, True)
        for n in range(1, DOWN_AFTER + 1):
            outcome = instance._probe_uptime(now=T0 + timedelta(minutes=5 + 5 * n))[instance.id]
            self.assertFalse(outcome.up, outcome)
            self.assertEqual(instance.probe_failures, n)
            # the alert comes at the third probe in a row, not before
            self.assertEqual(len(self._down_activities(instance)), 1 if n == DOWN_AFTER else 0)
        self.assertIn("HTTP 303", outcome.error)
        self.assertEqual(instance.probe_down_since, T0 + timedelta(minutes=10))
        activity = self._down_activities(instance)
        self.assertIn(instance._host(), activity.note)

        # started again: the next probe resets the count and closes the alert
        self.pg.set_login(db, True)
        outcome = instance._probe_uptime(now=T0 + timedelta(minutes=30))[instance.id]
        self.assertTrue(outcome.up, outcome)
        self.assertEqual(instance.probe_failures, 0)
        self.assertFalse(instance.probe_down_since)
        self.assertFalse(self._down_activities(instance), "the alert is still open")
        self.assertFalse(loaded(db))

        # hourly figures only: one row for 10:00-10:59 with every probe of it
        rows = instance.uptime_ids
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows.hour, T0)
        self.assertEqual((rows.probes, rows.failures), (2 + DOWN_AFTER + 1, DOWN_AFTER))
        self.assertGreater(rows.max_ms, 0)
        self.assertGreaterEqual(rows.max_ms, rows.avg_ms)
        summary = instance._uptime_summary(now=T0 + timedelta(hours=1))
        self.assertAlmostEqual(summary["uptime_pct"], 100.0 * 3 / 6)
        self.assertEqual([p[0] for p in summary["points"]], [T0])
        # the next hour gets a row of its own
        instance._probe_uptime(now=T0 + timedelta(minutes=65))
        self.assertEqual(sorted(instance.uptime_ids.mapped("hour")), [T0, T0 + timedelta(hours=1)])

    def test_sweep_of_200_tenants_loads_no_registry(self):
        real = self._tenant("uptime-real")
        registries.forget_database(real.database_name)
        Instance = self.env["saas.instance"]
        ghosts = Instance._create_state_machine([{
            "name": f"Ghost {n}", "subdomain": f"uptime-ghost-{n:03d}", "state": "active",
            "partner_id": self.customer.id, "plan_id": self.plan.id,
            "server_id": self.server.id} for n in range(199)])
        # cheap routes: hosts of the map naming databases that do not exist
        # (the router's no-database answer), committed as the router reads them
        refs = ghosts.ids
        conn = psycopg2.connect(**self.server._connection_params(self.env.cr.dbname))
        try:
            with conn, conn.cursor() as cr:
                for ghost in ghosts:
                    routing.replace_routes(cr, ghost.id, ghost._routes())
        finally:
            conn.close()
        self.addCleanup(self._master_commit,
                        "DELETE FROM saas_route WHERE instance_ref = ANY(%s)", [refs])
        everyone = ghosts | real
        before = set(Registry.registries.d)
        Instance._cron_uptime_probe(now=T0)
        self.assertEqual(set(Registry.registries.d), before, "a probe loaded a registry")
        self.assertFalse(loaded(real.database_name))
        self.assertEqual(self._sessions_as(real.database_name), 0)
        rows = self.env["saas.instance.uptime"].search([("instance_id", "in", everyone.ids)])
        self.assertEqual(len(rows), 200)
        self.assertEqual(rows.filtered(lambda r: r.instance_id == real).failures, 0)
        self.assertEqual(sum(rows.mapped("failures")), 199)
        self.assertEqual(set(ghosts.mapped("probe_failures")), {1})
        self.assertEqual(real.probe_failures, 0)

    def test_judge(self):
        """What counts as up, on plain values."""
        judge = uptime_probe.judge
        self.assertEqual(judge(200, {}, '<input name="login"/>'), (True, False, None))
        self.assertEqual(judge(200, {"X-Saas-Probe": "cold"}, "ok"), (True, True, None))
        self.assertFalse(judge(200, {}, "Welcome")[0])
        self.assertEqual(judge(403, {"X-Saas-Refused": "suspended"}, "")[2],
                         "HTTP 403 (suspended)")
        self.assertEqual(judge(503, {"X-Saas-Probe": "refused"}, "")[2], "HTTP 503 (refused)")
        self.assertEqual(uptime_probe.streak(2, uptime_probe.Outcome(False)), 3)
        self.assertEqual(uptime_probe.streak(5, uptime_probe.Outcome(True, 3.0)), 0)
