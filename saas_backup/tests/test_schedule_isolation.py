"""The backup schedule isolates each instance.  The schedule itself never
enters a tenant database (it queues jobs, prunes and grades health from the
master's records), so here the failure of one instance is one of the
master's own: its backup row refused by a raising trigger on saas_backup, a
real PostgreSQL error in the cron's cursor.  That instance's work is rolled
back and logged; the others are queued and backed up (real tenants, a real
directory storage)."""
import os
import shutil
import tempfile

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.saas_provisioning.tests.common import create_instance, run_jobs
from odoo.addons.saas_provisioning.tests.hostile import set_up_tenants

LOOPS_LOGGER = "odoo.addons.saas_provisioning.models.saas_instance_loops"


@tagged("post_install", "-at_install")
class TestBackupScheduleIsolation(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a, cls.b = set_up_tenants(cls, "Backup isolation", ["bk-iso-a", "bk-iso-b"])
        cls.failing = create_instance(cls.env, "bk-iso-failing", cls.customer, cls.plan,
                                      name="Backup failing", server_id=cls.server.id,
                                      state="active")
        cls.directory = tempfile.mkdtemp(prefix="saas-bkiso-")
        cls.addClassCleanup(shutil.rmtree, cls.directory, True)
        storage = cls.env["saas.backup.storage"].create({
            "name": "local", "kind": "local", "local_path": cls.directory})
        cls.env["ir.config_parameter"].set_param("saas_backup.storage_id", storage.id)

    def test_one_failing_instance_stops_no_backup(self):
        self.env.cr.execute("""
            CREATE FUNCTION saas_test_refuse_backup() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.instance_id = %s THEN
                    RAISE EXCEPTION 'no backup row for instance %%', NEW.instance_id;
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER saas_test_refuse_backup BEFORE INSERT ON saas_backup
                FOR EACH ROW EXECUTE FUNCTION saas_test_refuse_backup();
        """, [self.failing.id])
        Instance = self.env["saas.instance"]
        with trap_jobs() as trap:
            with mute_logger("odoo.sql_db"), self.assertLogs(LOOPS_LOGGER, "WARNING") as logs:
                queued = Instance._cron_backup_schedule()
            self.assertEqual(queued, self.a | self.b)
            run_jobs(trap)
        for instance in (self.a, self.b):
            backup = instance.backup_ids
            self.assertEqual(backup.mapped("state"), ["done"], backup.log_ids.mapped("message"))
            self.assertTrue(os.path.isfile(os.path.join(self.directory, backup.key)))
            self.assertEqual(instance.backup_health, "normal")
        self.assertFalse(self.failing.backup_ids)
        line = self.failing.log_ids.filtered(lambda l: l.result == "failed")
        self.assertEqual((line.operation, line.step), ("backup", "schedule"))
        self.assertIn("no backup row for instance", line.message)
        self.assertIn(self.failing.database_name, logs.output[0])
