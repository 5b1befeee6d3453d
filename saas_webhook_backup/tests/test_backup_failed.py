import json

from odoo.tests import TransactionCase, tagged

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
            instance = self.env["saas.instance"]._create_state_machine([{
                "name": "Backup Co", "subdomain": "wh-backup", "partner_id": customer.id,
                "state": "active"}])
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
