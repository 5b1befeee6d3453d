"""Dunning: reminders, suspension past the grace period, reactivation when paid."""
from datetime import date

from odoo.tests import tagged

from .billing_case import BillingCase


@tagged("post_install", "-at_install")
class TestDunning(BillingCase):
    """Overdue invoices suspend real tenants; payments reactivate them."""

    def test_overdue_suspends_payment_reactivates(self):
        instance = self._tenant("h5-dunning", self.monthly)
        instance._subscribe(date_start=date(2025, 3, 1))
        self._invoice(date(2025, 3, 1))
        invoice = self._invoices(instance)
        self.assertEqual((invoice.state, invoice.invoice_date_due, invoice.amount_untaxed),
                         ("posted", date(2025, 3, 1), 30.0))
        self.assertEqual(instance._open_invoices(), invoice)

        # reminders at 1 and 7 days, once each
        self._dunning(date(2025, 3, 2))
        self.assertEqual(invoice.saas_dunning_level, 1)
        self._dunning(date(2025, 3, 3))
        self.assertEqual(len(self._mails("Payment reminder")), 1)
        self._dunning(date(2025, 3, 8))
        self.assertEqual(len(self._mails("Payment reminder")), 2)
        # day 14: still inside the grace period
        self._dunning(date(2025, 3, 15))
        self.assertEqual(instance.state, "active")
        self.assertTrue(self._login(instance))

        suspended = self._dunning(date(2025, 3, 16))
        self.assertEqual(suspended, instance)
        self.assertEqual((instance.state, instance.billing_suspended), ("suspended", "dunning"))
        self.assertEqual(instance._overdue_invoices(14, date(2025, 3, 16)), invoice)
        self.assertEqual(instance.dunning_invoice_ids, invoice)
        self.assertFalse(self._login(instance), "the tenant refuses logins")
        messages = len(instance.message_ids)
        self.assertFalse(self._dunning(date(2025, 3, 16)), "idempotent")
        self.assertEqual(len(instance.message_ids), messages)
        self.assertEqual(len(self._mails("Payment reminder")), 2)

        self._pay(invoice, date(2025, 3, 17), amount=10.0)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(instance.state, "suspended", "a partial payment does not reactivate")
        self.assertTrue(self._suspended_in_tenant(instance))

        self._pay(invoice, date(2025, 3, 18))
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(instance.state, "active")
        self.assertFalse(instance.billing_suspended)
        self.assertIn("Reactivated", instance.message_ids[0].body)
        self.assertTrue(self._login(instance), "login works again")
        self.assertFalse(self._dunning(date(2025, 3, 20)))
        self.assertEqual(instance.state, "active")

    def test_two_overdue_invoices_need_both_paid(self):
        instance = self._tenant("h5-twice", self.monthly)
        instance._subscribe(date_start=date(2025, 3, 1))
        self._invoice(date(2025, 3, 1))
        self._invoice(date(2025, 4, 1))
        march, april = self._invoices(instance)
        self._dunning(date(2025, 4, 20))
        self.assertEqual(instance.state, "suspended")
        self.assertEqual(instance.dunning_invoice_ids, march | april)
        self.assertTrue(self._suspended_in_tenant(instance))
        self._pay(march, date(2025, 4, 21))
        self.assertEqual(instance.state, "suspended", "April is still overdue")
        self.assertTrue(self._suspended_in_tenant(instance))
        self._pay(april, date(2025, 4, 22))
        self.assertEqual(instance.state, "active")
        self.assertFalse(self._suspended_in_tenant(instance))

    def test_grace_days_zero_saved_in_settings_suspends_the_day_after_due(self):
        # saved with the settings screen: the 0 is kept (Odoo's own handling
        # deleted it, and the default, 14 days, came back)
        self.env["res.config.settings"].create({"saas_billing_grace_days": 0}).execute()
        instance = self._tenant("h5-nograce", self.monthly)
        instance._subscribe(date_start=date(2025, 3, 1))
        self._invoice(date(2025, 3, 1))
        invoice = self._invoices(instance)
        self.assertEqual(invoice.invoice_date_due, date(2025, 3, 1))
        self.assertFalse(self._dunning(date(2025, 3, 1)), "not overdue on its due date")
        self.assertEqual(self._dunning(date(2025, 3, 2)), instance)
        self.assertEqual((instance.state, instance.billing_suspended), ("suspended", "dunning"))
        self.assertFalse(self._mails("Payment reminder"), "no reminder step fits in 0 days")
