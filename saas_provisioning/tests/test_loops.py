"""Loops over tenants isolate each tenant: ``saas.instance._each_isolated``
and the tenant cron dispatcher (saas_router), against real tenants cloned
from a real template, each made hostile the way its administrator can."""
import threading

import psycopg2

from odoo import sql_db
from odoo.service import server as odoo_server
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.base.models.ir_cron import ir_cron
from odoo.addons.saas_router import crons

from .hostile import as_tenant, refuse_connections, set_up_tenants


@tagged("post_install", "-at_install")
class TestLoops(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # looped over in id order: the hostile tenants between two others
        cls.first, cls.refuser, cls.breaker, cls.last = set_up_tenants(
            cls, "Loops", ["loop-first", "loop-refuser", "loop-breaker", "loop-last"],
            max_users=3)
        refuse_connections(cls.refuser)
        # its own Odoo may break, the master's tools too: it revokes from
        # itself what Odoo's cron runner reads first
        as_tenant(cls.breaker, "REVOKE SELECT ON public.ir_module_module FROM {role}")

    def _failed_lines(self, instance, operation):
        return instance.log_ids.filtered(
            lambda line: line.operation == operation and line.result == "failed")

    def test_one_refusing_tenant_stops_nobody(self):
        instances = (self.first | self.refuser | self.last).sorted("id")
        self.assertEqual(instances[1], self.refuser)

        def work(instance):
            instance.name = f"{instance.subdomain} renamed"
            instance._tenant_db().write_settings({"max_users": "7"})
            return True

        with self.assertLogs("odoo.addons.saas_provisioning.models.saas_instance_loops",
                             "WARNING") as logs:
            done, failed = instances._each_isolated("update", "settings", work)
        self.assertEqual(done, self.first | self.last)
        self.assertEqual(failed, self.refuser)
        for instance in done:
            self.assertEqual(instance.name, f"{instance.subdomain} renamed")
            self.assertEqual(instance._tenant_db().read_settings()["max_users"], "7")
        # what it did in the master's transaction is rolled back; the error
        # is on it, and in the server log
        self.assertEqual(self.refuser.name, "Company loop-refuser")
        line = self._failed_lines(self.refuser, "update")
        self.assertEqual(len(line), 1)
        self.assertEqual(line.step, "settings")
        self.assertIn("permission denied for database", line.message)
        self.assertIn(self.refuser.database_name, logs.output[0])
        self.assertFalse(self._failed_lines(self.first | self.last, "update"))

    def test_an_error_of_one_instance_in_the_master_is_rolled_back(self):
        """A statement that fails in the master's own cursor: that instance's
        savepoint is rolled back, the transaction goes on."""
        instances = (self.first | self.last).sorted("id")

        def work(instance):
            instance.name = "changed"
            if instance == self.first:
                self.env.cr.execute("SELECT 1 / 0")
            return True

        with self.assertLogs("odoo.addons.saas_provisioning.models.saas_instance_loops",
                             "WARNING"), mute_logger("odoo.sql_db"):
            done, failed = instances._each_isolated("update", "rename", work)
        self.assertEqual((done, failed), (self.last, self.first))
        self.assertEqual((self.first.name, self.last.name), ("Company loop-first", "changed"))
        self.assertIn("division by zero", self._failed_lines(self.first, "update").message)

    def test_a_lost_transaction_is_not_swallowed(self):
        """A serialization failure of the master's own transaction (another
        transaction committed a change of a row this one then updates) ends
        the loop: the whole run is retried, never half-committed."""
        key = "database.create_date"
        self.env.cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [key])
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("UPDATE ir_config_parameter SET value = value WHERE key = %s", [key])
        seen = []

        def work(instance):
            seen.append(instance)
            self.env.cr.execute(
                "UPDATE ir_config_parameter SET value = value WHERE key = %s", [key])

        with self.assertRaises(psycopg2.errors.SerializationFailure), \
                mute_logger("odoo.sql_db"):
            (self.first | self.last).sorted("id")._each_isolated("update", "probe", work)
        self.assertEqual(seen, [self.first], "the loop stopped at once")
        self.assertFalse(self._failed_lines(self.first, "update"))

    def test_prefork_cron_worker_survives_a_breaking_tenant(self):
        """Odoo's prefork cron worker processes one database per call, in
        turn; Odoo re-raises a database's ProgrammingError, which ended the
        worker, and its successor started the list again: a tenant that
        revoked SELECT on ir_module_module from itself kept every tenant
        after it from running.  Through saas_router's wrapper its error is
        logged and the next tenant's due job runs."""
        good, breaker = self.last.database_name, self.breaker.database_name
        as_tenant(self.last, """
            UPDATE public.ir_cron SET nextcall = now() AT TIME ZONE 'UTC' - interval '1 minute',
                   lastcall = NULL
             WHERE id = (SELECT res_id FROM public.ir_model_data
                          WHERE module = 'base' AND name = 'autovacuum_job')""")
        as_tenant(self.breaker, """
            UPDATE public.ir_cron SET nextcall = now() AT TIME ZONE 'UTC' - interval '1 minute'
             WHERE id = (SELECT res_id FROM public.ir_model_data
                          WHERE module = 'base' AND name = 'autovacuum_job')""")
        self.assertIs(ir_cron._process_jobs.__func__, crons._process_jobs_then_refresh)

        class Worker:
            """What WorkerCron.process_work uses of its worker."""
            pid = 0
            db_index = 1  # the next call processes index 0: the breaker
            request_count = 0
            request_max = 100

            def _db_list(self):
                return [breaker, good]

            def setproctitle(self, title):
                pass

        worker = Worker()
        thread = threading.current_thread()
        dbname = thread.dbname  # _process_jobs sets and deletes it
        try:
            with self.assertLogs("odoo.addons.saas_router.crons", "WARNING") as logs, \
                    mute_logger("odoo.sql_db"):
                odoo_server.WorkerCron.process_work(worker)
            odoo_server.WorkerCron.process_work(worker)
        finally:
            thread.dbname = dbname
        self.assertIn(breaker, logs.output[0])
        self.assertIn("permission denied", "\n".join(logs.output))
        with sql_db.db_connect(good).cursor() as cr:
            cr.execute("""SELECT lastcall IS NOT NULL FROM ir_cron WHERE id = (
                              SELECT res_id FROM ir_model_data
                               WHERE module = 'base' AND name = 'autovacuum_job')""")
            self.assertTrue(cr.fetchone()[0], "the next tenant's due job ran")
