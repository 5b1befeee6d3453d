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
from odoo.addons.saas_provisioning.tests.common import (
    create_test_server,
    provision,
    ready_template,
    run_jobs,
)
from odoo.addons.saas_provisioning.tests.hostile import drop_tenant

LOOPS_LOGGER = "odoo.addons.saas_provisioning.models.saas_instance_loops"


@tagged("post_install", "-at_install")
class TestBackupScheduleIsolation(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = create_test_server(cls.env, name="Backup isolation PostgreSQL")
        cls.template = ready_template(cls.env, cls.server)
        cls.plan = cls.env["saas.plan"].create({
            "name": "Backup isolation plan", "template_id": cls.template.id,
            "trial_days": 0})
        cls.customer = cls.env["res.partner"].create({
            "name": "Backup isolation customer", "email": "owner@bkiso.test"})
        cls.directory = tempfile.mkdtemp(prefix="saas-bkiso-")
        cls.addClassCleanup(shutil.rmtree, cls.directory, True)
        cls.storage = cls.env["saas.backup.storage"].create({
            "name": "local", "kind": "local", "local_path": cls.directory})
        cls.env["ir.config_parameter"].set_param("saas_backup.storage_id", cls.storage.id)
        Instance = cls.env["saas.instance"]
        tenants = Instance
        for name in ("a", "b"):
            instance = Instance.create({
                "name": f"Backup {name}", "subdomain": f"bk-iso-{name}",
                "partner_id": cls.customer.id, "plan_id": cls.plan.id,
                "server_id": cls.server.id})
            cls.addClassCleanup(drop_tenant, cls.server, instance.database_name)
            tenants |= provision(instance)
        cls.a, cls.b = tenants
        cls.failing = Instance._create_state_machine([{
            "name": "Backup failing", "subdomain": "bk-iso-failing",
            "partner_id": cls.customer.id, "plan_id": cls.plan.id,
            "server_id": cls.server.id, "state": "active"}])

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
