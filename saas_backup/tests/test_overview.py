"""The overview's backup figures and the "backups at danger" alert, against
values computed by hand on a fixture, at a fixed clock."""
from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.saas_base.tests.common import clear_instances, create_instance, overview_item

NOW = datetime(2030, 6, 15, 12, 0, 0)



class OverviewBackupCase(TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        clear_instances(cls.env.cr)
        cls.storage = cls.env["saas.backup.storage"].create({
            "name": "ov local", "kind": "local", "local_path": "/nonexistent/ov"})
        cls.env["ir.config_parameter"].set_param("saas_backup.storage_id", cls.storage.id)
        cls.partner = cls.env["res.partner"].create({"name": "ov backups"})

    @classmethod
    def make(cls, sub, state="active", **vals):
        return create_instance(cls.env, sub, cls.partner, state=state, **vals)

    @classmethod
    def backup(cls, instance, done_at, **vals):
        return cls.env["saas.backup"].sudo().create(dict({
            "instance_id": instance.id, "storage_id": cls.storage.id, "kind": "scheduled",
            "database_name": instance.database_name, "state": "done", "done_at": done_at},
            **vals))


@tagged("post_install", "-at_install")
class TestOverviewBackups(OverviewBackupCase):

    def test_backup_figures(self):
        healths = [("normal", True), ("normal", True), ("warning", True), ("danger", True),
                   ("danger", False), ("none", False)]
        for n, (health, backed_up) in enumerate(healths):
            self.make(f"ov-h{n}", state="suspended" if n == 1 else "active").sudo().write({
                "backup_health": health,
                "last_backup_at": NOW - timedelta(days=1) if backed_up else False})
        self.make("ov-gone", state="terminated").sudo().write({"backup_health": "danger"})
        source = self.make("ov-drilled")
        for days, drill in ((3, "passed"), (2, "passed"), (1, "failed"), (10, "passed"),
                            (1, "none")):
            self.backup(source, NOW - timedelta(days=days), drill_state=drill,
                        drill_date=NOW - timedelta(days=days))
        # ov-drilled is live too, its health "none" (the default)
        sections = self.env["saas.overview"]._overview_data(NOW)
        figures = {key: overview_item(sections, f"backup_{key}")[1]["value"]
                   for key in ("normal", "warning", "danger", "never")}
        self.assertEqual(figures, {"normal": 2, "warning": 1, "danger": 1, "never": 1})
        self.assertEqual(overview_item(sections, "backup_never")[0], "care")
        self.assertEqual(overview_item(sections, "drills_passed")[1]["value"], 2)
        self.assertEqual(overview_item(sections, "drills_failed")[1]["value"], 1)
        never = overview_item(sections, "backup_never")[1]["action"]["domain"]
        self.assertEqual(self.env["saas.instance"].search(never).mapped("subdomain"), ["ov-h4"])


@tagged("post_install", "-at_install")
class TestBackupDangerAlert(OverviewBackupCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, login="ov_bk_manager",
                                    groups="base.group_user,saas_base.group_saas_manager")

    def alerts(self, instance):
        return self.env["mail.activity"].search([
            ("res_model", "=", "saas.instance"), ("res_id", "=", instance.id),
            ("activity_type_id", "=",
             self.env.ref("saas_base.mail_activity_type_saas_alert").id)])

    def test_stale_backup_alerts_once_while_open(self):
        instance = self.make("ov-stale", user_id=self.manager.id)
        self.backup(instance, NOW - timedelta(days=6))
        instance._update_backup_health(NOW)
        self.assertEqual(instance.backup_health, "danger")
        alert = self.alerts(instance)
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.user_id, self.manager, "the instance's responsible manager")
        instance._update_backup_health(NOW + timedelta(hours=1))
        self.assertEqual(self.alerts(instance), alert, "no second activity while one is open")
        alert.action_feedback(feedback="Storage fixed")
        instance._update_backup_health(NOW + timedelta(hours=2))
        self.assertEqual(len(self.alerts(instance)), 1, "still at danger: a new alert")

    def test_no_alert_while_healthy_or_new(self):
        now = fields.Datetime.now()  # a new tenant is new by the real clock
        healthy = self.make("ov-fresh")
        self.backup(healthy, now - timedelta(hours=3))
        healthy._update_backup_health(now)
        self.assertEqual(healthy.backup_health, "normal")
        new = self.make("ov-new")
        new._update_backup_health(now)
        self.assertEqual(new.backup_health, "danger")
        self.assertFalse(self.alerts(healthy) | self.alerts(new),
                         "a new tenant waits for its first backup")
        self.env.cr.execute("UPDATE saas_instance SET create_date = %s WHERE id = %s",
                            [now - timedelta(days=6), new.id])
        new.invalidate_recordset(["create_date"])
        new._update_backup_health(now)
        self.assertEqual(len(self.alerts(new)), 1, "never backed up, 6 days on")
