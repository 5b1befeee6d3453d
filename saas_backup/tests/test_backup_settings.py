"""The backup settings, saved with the settings screen, do what they say:
the terminate guard can be switched off, and a 0 keeps none of a period
(Odoo's own config_parameter handling deleted both, and the defaults came
back: the guard on, 7/2/1/7 kept)."""
import io
import tempfile
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.saas_provisioning.tests.common import create_instance


@tagged("post_install", "-at_install")
class TestBackupSettings(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        folder = tempfile.TemporaryDirectory(prefix="saas-backup-settings-")
        cls.addClassCleanup(folder.cleanup)
        cls.storage = cls.env["saas.backup.storage"].create({
            "name": "settings test", "kind": "local", "local_path": folder.name})
        cls.customer = cls.env["res.partner"].create({"name": "Settings Customer"})
        cls.instance = create_instance(cls.env, "bk-settings", cls.customer, name="Kept",
                                       state="active")

    def _save(self, **values):
        self.env["res.config.settings"].create(values).execute()

    def _done_backup(self, days_ago):
        key = f"settings/{days_ago}.dump"
        self.storage._storage().put(key, io.BytesIO(b"dump"))
        return self.env["saas.backup"].sudo().create({
            "instance_id": self.instance.id, "storage_id": self.storage.id, "key": key,
            "database_name": self.instance.database_name, "state": "done",
            "done_at": fields.Datetime.now() - timedelta(days=days_ago, hours=1, minutes=5)})

    def test_terminate_guard_switched_off_by_the_settings_screen(self):
        self._save(saas_backup_storage_id=self.storage.id)
        self.assertTrue(self.instance._backup_configured())
        with self.assertRaisesRegex(UserError, "no backup of the last 24 hours"):
            self.instance.action_terminate()
        self._save(saas_backup_require_before_terminate=False)
        self.assertFalse(self.env["res.config.settings"].create(
            {}).saas_backup_require_before_terminate, "shown unticked")
        with trap_jobs() as trap:
            self.instance.action_terminate()
            trap.assert_jobs_count(1, only=self.instance._job_terminate)

    def test_recent_means_the_hours_saved(self):
        self._save(saas_backup_storage_id=self.storage.id)
        self._done_backup(days_ago=0)  # 1 h 5 min old (Datetime.now drops the microseconds)
        self._save(saas_backup_terminate_max_age_hours=1)
        with self.assertRaisesRegex(UserError, "no backup of the last 1 hours"):
            self.instance._check_can_terminate()
        self._save(saas_backup_terminate_max_age_hours=2)
        self.assertTrue(self.instance._check_can_terminate())

    def test_zero_keeps_none_of_a_period(self):
        self._save(saas_backup_storage_id=self.storage.id)
        backups = self.env["saas.backup"]
        for days_ago in (0, 1, 2, 9, 40):
            backups |= self._done_backup(days_ago)
        self._save(saas_backup_keep_daily=0, saas_backup_keep_weekly=0,
                   saas_backup_keep_monthly=0, saas_backup_keep_latest=2)
        self.assertEqual(self.instance._retention(),
                         {"daily": 0, "weekly": 0, "monthly": 0, "latest": 2})
        self.instance._prune_backups()
        kept = backups.filtered(lambda b: b.state == "done")
        self.assertEqual(len(kept), 2, "only the latest 2: no day, week or month kept")
        self.assertEqual(kept, backups.sorted("done_at", reverse=True)[:2])
        storage = self.storage._storage()
        self.assertEqual({b.key for b in backups if storage.exists(b.key)}, set(kept.mapped("key")))
