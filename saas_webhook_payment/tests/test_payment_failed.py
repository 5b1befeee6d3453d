import json

from odoo.tests import TransactionCase, tagged

from odoo.addons.saas_provisioning.tests.common import create_instance
from odoo.addons.saas_webhook.tests.common import enter_job_cursor_mode, run_drain
from odoo.addons.saas_webhook.tests.receiver import Receiver


@tagged("post_install", "-at_install")
class TestPaymentFailed(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        enter_job_cursor_mode(cls)
        cls.env["ir.config_parameter"].set_param("saas_webhook.allow_private_urls", "1")

    def test_failed_payment_of_a_customer_with_an_instance(self):
        with Receiver() as receiver:
            endpoint = self.env["saas.webhook.endpoint"].create({
                "name": "Dunning desk", "url": receiver.url,
                "event_type_ids": self.env["saas.webhook.event.type"].search(
                    [("code", "=", "payment.failed")]).ids})
            customer = self.env["res.partner"].create({"name": "Pay Customer"})
            stranger = self.env["res.partner"].create({"name": "No SaaS"})
            instance = create_instance(self.env, "wh-pay", customer, name="Pay Co",
                                       state="active")
            provider = self.env["payment.provider"].create(
                {"name": "Webhook test provider", "code": "none", "state": "test"})
            method = self.env.ref("payment.payment_method_unknown")
            Tx = self.env["payment.transaction"]
            txs = Tx.create([{
                "provider_id": provider.id, "payment_method_id": method.id, "amount": 30.0,
                "currency_id": self.env.company.currency_id.id, "partner_id": partner.id,
                "reference": f"WH-{partner.id}"} for partner in (customer, stranger)])
            txs._set_error("Card declined")
            events = self.env["saas.webhook.event"].search([("event_type", "=", "payment.failed")])
            self.assertEqual(len(events), 1, "only the SaaS customer's payment")
            self.assertFalse(run_drain(endpoint), "delivered at once")
            body = json.loads(receiver.requests[0]["body"])
            self.assertEqual(body["type"], "payment.failed")
            self.assertEqual(body["data"]["instance_id"], instance.id)
            self.assertEqual(body["data"]["error"], "Card declined")
            self.assertEqual(receiver.requests[0]["headers"]["webhook-id"], events.message_id)
