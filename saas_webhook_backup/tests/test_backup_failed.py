import json
from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.saas_provisioning.tests.common import create_instance
from odoo.addons.saas_webhook.tests.common import enter_job_cursor_mode, run_drain
from odoo.addons.saas_webhook.tests.receiver import Receiver


@tagged("post_install", "-at_install")
class TestBackupFailed(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        enter_job_cursor_mode(cls)
        cls.env["ir.config_parameter"].set_param("saas_webhook.allow_private_urls", "1")

    def test_failed_backup_is_delivered_signed(self):
        with Receiver() as receiver:
            endpoint = self.env["saas.webhook.endpoint"].create({
                "name": "Ops pager", "url": receiver.url,
                "event_type_ids": self.env["saas.webhook.event.type"].search(
                    [("code", "=", "backup.failed")]).ids})
            customer = self.env["res.partner"].create({"name": "Backup Customer"})
            instance = create_instance(self.env, "wh-backup", customer, name="Backup Co",
                                       state="active")
            storage = self.env["saas.backup.storage"].create(
                {"name": "Nowhere", "kind": "local"})
            backup = self.env["saas.backup"].create({
                "instance_id": instance.id, "storage_id": storage.id,
                "database_name": instance.database_name, "kind": "manual"})
            instance._backup_failed(backup, "Storage unreachable after 3 tries")
            self.assertEqual(backup.state, "failed")
            events = self.env["saas.webhook.event"].search([("event_type", "=", "backup.failed")])
            self.assertEqual(len(events), 1)
            self.assertFalse(run_drain(endpoint), "delivered at once")
            body = json.loads(receiver.requests[0]["body"])
            self.assertEqual(body["type"], "backup.failed")
            self.assertEqual(body["data"]["instance_id"], instance.id)
            self.assertEqual(body["data"]["backup_id"], backup.id)
            self.assertEqual(body["data"]["error"], "Storage unreachable after 3 tries")
            self.assertEqual(receiver.requests[0]["headers"]["webhook-id"], events.message_id)

    def test_backup_danger_event(self):
        self.env["saas.webhook.endpoint"].create({
            "name": "Ops", "url": "http://127.0.0.1:9/hook",
            "event_type_ids": self.env["saas.webhook.event.type"].search(
                [("code", "=", "backup.danger")]).ids})
        storage = self.env["saas.backup.storage"].create(
            {"name": "Nowhere", "kind": "local", "local_path": "/nonexistent"})
        self.env["ir.config_parameter"].set_param("saas_backup.storage_id", storage.id)
        customer = self.env["res.partner"].create({"name": "Danger Customer"})
        instance = create_instance(self.env, "wh-danger", customer, name="Danger Co",
                                   state="active")
        now = fields.Datetime.now()
        done_at = now - timedelta(days=6)
        self.env["saas.backup"].sudo().create({
            "instance_id": instance.id, "storage_id": storage.id, "kind": "scheduled",
            "database_name": instance.database_name, "state": "done", "done_at": done_at})
        instance._update_backup_health(now)
        instance._update_backup_health(now)
        events = self.env["saas.webhook.event"].search([("event_type", "=", "backup.danger")])
        self.assertEqual(len(events), 1, "once while the alert is open")
        self.assertEqual((events.res_model, events.res_id, events.instance_id),
                         ("saas.instance", instance.id, instance))
        self.assertEqual(json.loads(events.body)["data"], {
            "instance_id": instance.id, "subdomain": "wh-danger", "backup_health": "danger",
            "last_backup_at": fields.Datetime.to_string(done_at),
            "reason": f"last backup on {done_at}",
        }, "the alert's own data, not the instance's description")
