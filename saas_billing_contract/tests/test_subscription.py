"""Subscriptions: cancel at period end, resume, and the migration that
subscribed the instances created before subscriptions existed."""
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .billing_case import BillingCase


@tagged("post_install", "-at_install")
class TestSubscription(BillingCase):
    """The subscription's life after its start."""

    def test_cancel_at_period_end_and_resume(self):
        instance = self._instance("h5-cancel", self.monthly)
        instance._write_state_machine({"state": "active"})
        instance._subscribe(date_start=date(2025, 1, 1))
        self._invoice(date(2025, 1, 1))
        line = instance.contract_line_id
        with freeze_time("2025-01-10"):
            instance.action_cancel_subscription()
            self.assertEqual(line.date_end, date(2025, 1, 31), "ends with the paid period")
            self.assertTrue(instance.billing_can_resume)
            instance.action_resume_subscription()
        self.assertFalse(line.date_end)
        self.assertEqual(line.recurring_next_date, date(2025, 2, 1))
        with freeze_time("2025-01-20"):
            instance.action_cancel_subscription()
        self._invoice(date(2025, 2, 1))
        self.assertEqual(len(self._invoices(instance)), 1, "nothing invoiced after the end")
        with patch.object(type(self.Instance), "_hook_suspend", autospec=True,
                          side_effect=lambda records, reason=None: records._set_state("suspended")):
            with freeze_time("2025-01-31"):
                self.Instance._cron_billing_trial(date(2025, 1, 31))
            self.assertEqual(instance.state, "active", "the paid period runs to its end")
            with freeze_time("2025-02-01"):
                self.Instance._cron_billing_trial(date(2025, 2, 1))
        self.assertEqual((instance.state, instance.billing_suspended), ("suspended", "cancelled"))
        with freeze_time("2025-02-02"), self.assertRaises(UserError):
            instance.action_resume_subscription()

    def test_migration_subscribes_live_paid_instances(self):
        old = self._instance("h5-old", self.monthly, name="Old", state="active")
        stopped = self._instance("h5-stopped", self.monthly, name="Stopped", state="suspended")
        report = self.Instance._billing_subscribe_unsubscribed()
        # "today" is the user's (its time zone), as the code reads it
        today = fields.Date.context_today(old)
        self.assertEqual(report["h5-old"], f"subscribed from {today}")
        self.assertEqual(report["h5-stopped"], "skipped: suspended")
        self.assertTrue(old.contract_line_id)
        self.assertFalse(stopped.contract_line_id)
        self.assertNotIn("h5-old", self.Instance._billing_subscribe_unsubscribed(), "once")
        self.assertTrue(stopped.billing_can_subscribe)
        stopped.action_subscribe()
        self.assertTrue(stopped.contract_line_id)
        self.assertEqual(old.contract_id.action_view_saas_instances()["domain"],
                         [("contract_id", "=", old.contract_id.id)])
