"""Invoices made by the contract on their dates, mailed through a real
SMTP server, and charged with the saved payment method."""
import socket
from datetime import date
from unittest.mock import patch

from aiosmtpd.controller import Controller
from freezegun import freeze_time

import odoo.modules.module
from odoo.tests import tagged

from .billing_case import LOGIN, BillingCase


class _Sink:
    """aiosmtpd handler keeping what reaches the SMTP server."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode("utf8", errors="replace"))
        return "250 OK"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestInvoicing(BillingCase):
    """Monthly and yearly lines invoiced on their dates; saved cards charged."""

    def test_monthly_and_yearly_invoice_on_their_dates(self):
        monthly = self._instance("h5-monthly", self.monthly, user_count=4)
        yearly = self._instance("h5-yearly", self.yearly)
        start = date(2025, 1, 15)
        (monthly | yearly)._subscribe(date_start=start)
        self.assertEqual(monthly.contract_id, yearly.contract_id, "one contract per customer")
        contract = monthly.contract_id
        self.assertEqual(contract.contract_line_ids, monthly.contract_line_id | yearly.contract_line_id)
        self.assertEqual(monthly.contract_line_id.saas_instance_id, monthly)
        self.assertEqual(contract.saas_instance_ids, monthly | yearly)
        (monthly | yearly)._subscribe()  # idempotent
        self.assertEqual(len(contract.contract_line_ids), 2)

        self._invoice(date(2025, 1, 14))
        self.assertFalse(self._invoices(monthly), "nothing before the start date")
        self._invoice(start)
        invoice = self._invoices(monthly)
        self.assertEqual(invoice, self._invoices(yearly))
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.invoice_date, start)
        names = invoice.invoice_line_ids.mapped("name")
        self.assertIn("H5 Monthly - h5-monthly (01/15/2025 - 02/14/2025)", names)
        self.assertIn("H5 Yearly - h5-yearly (01/15/2025 - 01/14/2026)", names)
        extra = invoice.invoice_line_ids.filtered(lambda l: "users above" in l.name)
        self.assertEqual((extra.quantity, extra.price_unit, extra.saas_instance_id),
                         (2.0, 5.0, monthly), "4 users, 2 included")
        self.assertEqual(invoice.amount_untaxed, 30.0 + 300.0 + 10.0)
        self.assertTrue(any("by contract" in body for body in invoice.message_ids.mapped("body")),
                        "origin noted (batched)")

        self._invoice(start)  # the cron again on the same day: nothing more
        self.assertEqual(len(self._invoices(monthly)), 1)

        self._invoice(date(2025, 2, 15))
        february = self._invoices(monthly)[1:]
        self.assertEqual(february.invoice_date, date(2025, 2, 15))
        self.assertEqual(february.invoice_line_ids.saas_instance_id, monthly,
                         "the yearly plan is not invoiced again in February")
        self.assertIn("H5 Monthly - h5-monthly (02/15/2025 - 03/14/2025)",
                      february.invoice_line_ids.mapped("name"))
        self.assertEqual(yearly.next_invoice_date, date(2026, 1, 15))
        self._invoice(date(2026, 1, 15))
        self.assertEqual(len(self._invoices(yearly)), 2)
        self.assertEqual(self._invoices(yearly)[-1].invoice_line_ids.filtered(
            lambda l: l.saas_instance_id == yearly).price_subtotal, 300.0)

        # the invoice mail is queued, then really leaves through SMTP
        mail = self._mails(invoice.name)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing")
        sink = _Sink()
        port = _free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            self.env["ir.mail_server"].create({
                "name": "h5 sink", "smtp_host": "127.0.0.1", "smtp_port": port,
                "smtp_encryption": "none", "sequence": 1})
            with patch.object(odoo.modules.module, "current_test", False):
                self.env["mail.mail"].process_email_queue(ids=mail.ids)
        finally:
            controller.stop()
        self.assertEqual(mail.state, "sent", mail.failure_reason)
        self.assertEqual(len(sink.messages), 1)
        self.assertIn(invoice.name, sink.messages[0])
        self.assertIn(LOGIN, sink.messages[0])

    def test_saved_card_charged_refusal_retried_then_payment_reactivates(self):
        instance = self._tenant("h5-card", self.monthly)
        instance._subscribe(date_start=date(2025, 3, 1))
        card = self._saved_card(self.customer)
        self._invoice(date(2025, 3, 1))
        march = self._invoices(instance)
        self.assertIn(march.payment_state, ("paid", "in_payment"), "charged automatically")
        tx = march.transaction_ids
        self.assertEqual((tx.state, tx.token_id, tx.amount), ("done", card, march.amount_total))
        self.assertTrue(tx.payment_id)
        self.assertIn("paid with your saved payment method", self._mails(march.name).body_html)

        card.demo_simulated_state = "error"  # the card is now refused
        self._invoice(date(2025, 4, 1))
        april = self._invoices(instance) - march
        self.assertEqual((april.state, april.payment_state), ("posted", "not_paid"))
        self.assertEqual(april.transaction_ids.state, "error")
        failed = self._mails(f"Payment of invoice {april.name} failed")
        self.assertEqual(len(failed), 1)
        self.assertIn(april.get_portal_url(), failed.body_html)
        # dunning steps retry the card (and mail the pay link again)
        self._dunning(date(2025, 4, 2))
        self.assertEqual(len(april.transaction_ids), 2)
        self.assertEqual(len(self._mails(f"Payment of invoice {april.name} failed")), 2)
        self.assertFalse(self._mails("Payment reminder"), "the retry replaces the reminder")
        self._dunning(date(2025, 4, 16))
        self.assertEqual((instance.state, instance.billing_suspended), ("suspended", "dunning"))
        self.assertFalse(self._login(instance))

        # paid (a new card): the transaction's post-processing reactivates at once
        card.active = False
        self._saved_card(self.customer)
        with freeze_time("2025-04-17"):
            tx = april._saas_charge_saved_token()
        self.assertEqual(tx.state, "done")
        self.assertTrue(tx.is_post_processed)
        self.assertIn(april.payment_state, ("paid", "in_payment"))
        self.assertEqual(instance.state, "active")
        self.assertFalse(self._suspended_in_tenant(instance))
        self.assertTrue(self._login(instance))
