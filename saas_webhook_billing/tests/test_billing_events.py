import json
from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.saas_webhook.tests.common import WebhookCase


@tagged("post_install", "-at_install")
class TestBillingEvents(WebhookCase):
    """Subscriptions, plan changes and invoices of an instance, delivered
    to a real receiver."""

    def test_billing_events(self):
        endpoint = self._endpoint(event_type_ids=self._types(
            "subscription.started", "subscription.cancelled", "instance.plan_changed",
            "invoice.posted", "invoice.paid").ids)
        instance = self._instance("wh-bill")
        instance._subscribe(date_start=date(2025, 1, 1))
        with freeze_time("2025-01-01"):
            self.env["contract.contract"].cron_recurring_create_invoice(date_ref=date(2025, 1, 1))
        invoice = self.env["account.move"].search([("line_ids.saas_instance_id", "=",
                                                    instance.id)])
        self.assertEqual(invoice.state, "posted")
        with freeze_time("2025-01-05"):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids,
            ).create({"payment_date": date(2025, 1, 5)})._create_payments()
        with freeze_time("2025-01-11"):
            instance.change_plan(self.big, date(2025, 1, 11))
        with freeze_time("2025-01-20"):
            instance.action_cancel_subscription()  # at the end of the paid period
        self.assertFalse(self._drain(endpoint))
        bodies = [json.loads(r["body"]) for r in self.receiver.requests]
        self.assertEqual([b["type"] for b in bodies], [
            "subscription.started", "invoice.posted", "invoice.paid",
            "instance.plan_changed", "subscription.cancelled"],
            "a plan change is neither a cancel nor a new subscription")
        self.assertEqual(bodies[1]["data"]["instance_ids"], instance.ids)
        self.assertEqual(bodies[1]["data"]["number"], invoice.name)
        self.assertEqual(bodies[3]["data"]["plan"]["name"], "WH Big")
        self.assertEqual(bodies[3]["data"]["previous_plan"]["name"], "WH Monthly")
        self.assertIn("trial_end_date", bodies[3]["data"], "billing's field of the instance")
        self.assertEqual(bodies[4]["data"]["date_end"], "2025-01-31")

    def test_free_invoice_posted_before_paid(self):
        endpoint = self._endpoint(event_type_ids=self._types(
            "invoice.posted", "invoice.paid").ids)
        instance = self._instance("wh-free")
        instance._subscribe(date_start=date(2025, 1, 1))
        invoice = self.env["account.move"].create({
            "move_type": "out_invoice", "partner_id": self.customer.id,
            "invoice_line_ids": [(0, 0, {
                "name": "Free month", "quantity": 1, "price_unit": 0.0,
                "contract_line_id": instance.contract_line_id.id})]})
        invoice.action_post()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertFalse(self._drain(endpoint))
        self.assertEqual([json.loads(r["body"])["type"] for r in self.receiver.requests],
                         ["invoice.posted", "invoice.paid"])
