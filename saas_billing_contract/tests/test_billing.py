import socket
from datetime import date, timedelta
from unittest.mock import patch

import psycopg2
import requests
from aiosmtpd.controller import Controller
from freezegun import freeze_time

import odoo.modules.module
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.saas_provisioning.tests.common import (
    create_test_server,
    provision,
    ready_template,
)

from .common import demo_provider

PASSWORD = "S3cret-tenant-pass"
LOGIN = "owner@h5-customer.test"


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
class TestBilling(HttpCase):
    """Billing against real parts: OCA contracts make the invoices, they are
    posted, mailed through a real SMTP server and paid through the payment
    wizard; suspension and reactivation reach real tenant databases cloned
    from a template built by a real `odoo -i`."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.email = "billing@h5-host.test"
        cls.server = create_test_server(cls.env, name="Billing test PostgreSQL")
        cls.template = ready_template(cls.env, cls.server)
        cls.pg = cls.server._pg_admin()
        Plan = cls.env["saas.plan"]
        common = {"template_id": cls.template.id, "max_storage_mb": 0}
        cls.monthly = Plan.create(dict(common, name="H5 Monthly", price=30.0, period="monthly",
                                       max_users=5, included_users=2, extra_user_price=5.0))
        cls.yearly = Plan.create(dict(common, name="H5 Yearly", price=300.0, period="yearly",
                                      max_users=5))
        cls.big = Plan.create(dict(common, name="H5 Big", price=60.0, period="monthly",
                                   max_users=10))
        cls.small = Plan.create(dict(common, name="H5 Small", price=10.0, period="monthly",
                                     max_users=2))
        cls.trial_plan = Plan.create(dict(common, name="H5 Trial", price=30.0,
                                          period="monthly", trial_days=14, max_users=5))
        cls.customer = cls.env["res.partner"].create({
            "name": "H5 Customer", "email": LOGIN})
        cls.Instance = cls.env["saas.instance"]

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _instance(self, subdomain, plan, **vals):
        return self.Instance.create(dict({
            "name": f"Company {subdomain}", "subdomain": subdomain,
            "partner_id": self.customer.id, "plan_id": plan.id,
            "server_id": self.server.id}, **vals))

    def _tenant(self, subdomain, plan):
        """A real tenant database, provisioned through the pipeline."""
        instance = self._instance(subdomain, plan)
        self.addCleanup(self._drop, instance.database_name)
        return provision(instance, PASSWORD)

    def _drop(self, dbname):
        self.pg.drop(dbname)
        self.server._filestore().remove(dbname)

    def _suspended_in_tenant(self, instance):
        conn = psycopg2.connect(**self.server._connection_params(instance.database_name))
        try:
            with conn.cursor() as cr:
                cr.execute("SELECT value FROM saas_control.tenant_setting WHERE key = 'suspended'")
                return cr.fetchone()[0] == "1"
        finally:
            conn.close()

    def _login(self, instance):
        response = requests.post(
            self.base_url() + "/web/session/authenticate", timeout=30,
            json={"jsonrpc": "2.0", "method": "call", "params": {
                "db": instance.database_name, "login": LOGIN, "password": PASSWORD}},
            headers={"Host": instance._host()})
        return (response.json().get("result") or {}).get("uid")

    def _invoice(self, when, **context):
        # the charge and the mail of each invoice are jobs: run them inline
        with freeze_time(when):
            self.env["contract.contract"].with_context(
                queue_job__no_delay=True, **context).cron_recurring_create_invoice(date_ref=when)

    def _invoices(self, instance):
        return self.env["account.move"].search(
            [("line_ids.saas_instance_id", "=", instance.id)], order="invoice_date, id")

    def _pay(self, invoice, when, amount=None):
        vals = {"payment_date": when}
        if amount is not None:
            vals.update(amount=amount, payment_difference_handling="open")
        with freeze_time(when):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids,
            ).create(vals)._create_payments()

    def _dunning(self, when):
        with freeze_time(when):
            return self.Instance.with_context(
                queue_job__no_delay=True)._cron_billing_dunning(date=when)

    @classmethod
    def _demo_provider(cls):
        return demo_provider(cls.env)

    def _saved_card(self, partner, state="done"):
        """A card the customer saved with the demo provider (what the portal's
        "Save my payment details" creates); ``state`` is what charges get."""
        provider = self._demo_provider()
        return self.env["payment.token"].create({
            "provider_id": provider.id,
            "payment_method_id": provider.payment_method_ids[:1].id,
            "partner_id": partner.id,
            "payment_details": "4242",
            "provider_ref": "h5 demo card",
            "demo_simulated_state": state,
        })

    def _mails(self, subject_part):
        return self.env["mail.mail"].search([("subject", "ilike", subject_part)])

    # ------------------------------------------------------------------
    # tests
    # ------------------------------------------------------------------
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

    def test_upgrade_mid_period_is_prorated(self):
        instance = self._tenant("h5-upgrade", self.monthly)
        instance._subscribe(date_start=date(2025, 1, 1))
        self._invoice(date(2025, 1, 1))
        old_line = instance.contract_line_id
        change = date(2025, 1, 11)
        with freeze_time(change):
            preview = instance._preview_plan_change(self.big, change)
            # January: 31 days, 21 left from the 11th (inclusive)
            self.assertEqual((preview["credit"], preview["charge"], preview["net"]),
                             (20.32, 40.65, 20.33))  # 30*21/31, 60*21/31
            self.assertTrue(preview["allowed"])
            instance.change_plan(self.big, change)
        self.assertEqual(instance.plan_id, self.big)
        new_line = instance.contract_line_id
        self.assertNotEqual(new_line, old_line)
        self.assertEqual(old_line.date_end, date(2025, 1, 10))
        self.assertEqual(old_line.successor_contract_line_id, new_line)
        self.assertEqual(new_line.predecessor_contract_line_id, old_line)
        self.assertEqual((new_line.date_start, new_line.price_unit, new_line.saas_instance_id),
                         (change, 60.0, instance))
        self.assertEqual(new_line.recurring_next_date, date(2025, 2, 1))
        self.assertEqual(instance._tenant_db().read_settings()["max_users"], "10",
                         "limits written to the tenant at once")

        self._invoice(date(2025, 2, 1))
        february = self._invoices(instance)[-1]
        amounts = sorted(february.invoice_line_ids.mapped("price_subtotal"))
        self.assertEqual(amounts, [-20.32, 40.65, 60.0])
        self.assertEqual(february.amount_untaxed, 80.33)
        self.assertTrue(all(instance.billing_adjustment_ids.mapped("invoiced")))
        self._invoice(date(2025, 2, 1))
        self.assertEqual(len(self._invoices(instance)), 2, "adjustments invoiced once")

    def test_downgrade_immediate_invoice(self):
        self.env["ir.config_parameter"].set_param(
            "saas_billing_contract.immediate_invoice", "True")
        instance = self._instance("h5-down", self.big)
        instance._subscribe(date_start=date(2025, 4, 1))
        self._invoice(date(2025, 4, 1))
        with freeze_time("2025-04-16"):
            preview = instance.change_plan(self.monthly, date(2025, 4, 16))
        # April: 30 days, 15 left: credit 60*15/30 = 30, charge 30*15/30 = 15
        self.assertEqual((preview["credit"], preview["charge"], preview["net"]),
                         (30.0, 15.0, -15.0))
        refund = self._invoices(instance).filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual((refund.state, refund.amount_untaxed), ("posted", 15.0))

    def test_downgrade_below_usage_is_refused(self):
        instance = self._instance("h5-refuse", self.monthly, user_count=5)
        instance._subscribe(date_start=date(2025, 1, 1))
        self._invoice(date(2025, 1, 1))
        line = instance.contract_line_id
        preview = instance._preview_plan_change(self.small, date(2025, 1, 11))
        self.assertFalse(preview["allowed"])
        self.assertIn("remove 3 user(s)", preview["reason"])
        with freeze_time("2025-01-11"), self.assertRaisesRegex(UserError, "remove 3 user"):
            instance.change_plan(self.small, date(2025, 1, 11))
        self.assertEqual(instance.plan_id, self.monthly)
        self.assertEqual(instance.contract_line_id, line)
        self.assertFalse(line.date_end)
        self.assertFalse(line.successor_contract_line_id)
        self.assertFalse(instance.billing_adjustment_ids)

    def test_cancelled_trial_is_never_invoiced_and_ends(self):
        instance = self._tenant("h5-trial", self.trial_plan)
        self.assertTrue(instance.contract_line_id, "subscribed when requested")
        instance.trial_end_date = date(2025, 5, 20)
        instance._billing_align_trial_start()
        self.assertEqual(instance.contract_line_id.date_start, date(2025, 5, 21))
        cron = self.Instance._cron_billing_trial
        with freeze_time("2025-05-13"):
            cron(date(2025, 5, 13))
            cron(date(2025, 5, 13))
        self.assertEqual(instance.trial_reminder_sent, 7)
        reminder = self._mails("Your trial of h5-trial")
        self.assertEqual(len(reminder), 1)
        self.assertIn("first invoice", reminder.body_html)
        with freeze_time("2025-05-14"):
            instance.action_cancel_subscription()
            self.assertTrue(instance.contract_line_id.is_canceled)
            instance.action_resume_subscription()
        self.assertFalse(instance.contract_line_id.is_canceled)
        self.assertEqual(instance.contract_line_id.recurring_next_date, date(2025, 5, 21))
        with freeze_time("2025-05-15"):
            instance.action_cancel_subscription()
        self.assertTrue(instance.contract_line_id.is_canceled)
        self.assertEqual(instance.billing_service_end, date(2025, 5, 20))
        with freeze_time("2025-05-19"):
            cron(date(2025, 5, 19))
        self.assertEqual(len(self._mails("Your trial of h5-trial")), 2)
        with freeze_time("2025-05-20"):
            cron(date(2025, 5, 20))
        self.assertEqual(instance.state, "active", "the last trial day is still free")
        self._invoice(date(2025, 5, 21))
        with freeze_time("2025-05-21"):
            cron(date(2025, 5, 21))
            cron(date(2025, 5, 21))
        self.assertFalse(self._invoices(instance), "a cancelled trial is never invoiced")
        self.assertEqual((instance.state, instance.billing_suspended), ("suspended", "trial"))
        self.assertTrue(self._suspended_in_tenant(instance))
        self.assertTrue(self.pg.exists(instance.database_name), "data kept")
        with trap_jobs() as trap, freeze_time("2025-06-19"):
            cron(date(2025, 6, 19))
            trap.assert_jobs_count(0)
        with trap_jobs() as trap, freeze_time("2025-06-20"):
            cron(date(2025, 6, 20))
            trap.assert_jobs_count(1, only=instance._job_terminate)
            trap.perform_enqueued_jobs()
        self.assertEqual(instance.state, "terminated")
        self.assertFalse(self.pg.exists(instance.database_name))
        with trap_jobs() as trap:
            cron(date(2025, 6, 21))
            trap.assert_jobs_count(0)
        self._invoice(date(2025, 6, 21))
        self.assertFalse(self._invoices(instance))

    def test_requested_instances_are_subscribed_trial_converts(self):
        free = self.env["saas.plan"].create({"name": "H5 Free", "price": 0.0,
                                             "template_id": self.template.id})
        trial = self._instance("h5-convert", self.trial_plan)
        paid = self._instance("h5-paid", self.monthly)
        gratis = self._instance("h5-free", free)
        today = date.today()
        with trap_jobs():
            for instance in (trial, paid, gratis):
                instance.request_provisioning()
        self.assertEqual(paid.contract_line_id.date_start, today, "no trial: billed today")
        self.assertEqual(trial.contract_line_id.date_start, today + timedelta(days=15))
        self.assertFalse(gratis.contract_id, "free plans get no contract")
        self.assertFalse(gratis.billing_can_subscribe)
        self.assertEqual(trial.contract_id, paid.contract_id, "one contract per customer")
        self.assertEqual(trial.contract_id.saas_instance_ids, trial | paid)
        gratis.change_plan(self.monthly)
        self.assertEqual(gratis.contract_line_id.date_start, today,
                         "from a free plan to a paid one: billed from the change")
        # activation fixes the trial end; the line follows it
        trial._set_state("active")
        trial.trial_end_date = date(2025, 7, 10)
        trial._billing_align_trial_start()
        self.assertEqual(trial.contract_line_id.date_start, date(2025, 7, 11))
        cron = self.Instance._cron_billing_trial
        with patch.object(type(self.Instance), "_hook_suspend") as suspend:
            with freeze_time("2025-07-11"):
                cron(date(2025, 7, 11))
            suspend.assert_not_called()
        self.assertEqual(trial.state, "active")
        # a real PDF through wkhtmltopdf (Odoo renders HTML in tests otherwise)
        self._invoice(date(2025, 7, 11), force_report_rendering=True)
        invoice = self._invoices(trial)
        self.assertEqual((invoice.state, invoice.amount_untaxed, invoice.invoice_date),
                         ("posted", 30.0, date(2025, 7, 11)))
        # its mail carries the PDF
        mail = self._mails(invoice.name)
        self.assertEqual(len(mail), 1)
        self.assertEqual(len(mail.attachment_ids), 1)
        self.assertTrue(mail.attachment_ids.name.endswith(".pdf"), mail.attachment_ids.name)
        self.assertTrue(mail.attachment_ids.raw.startswith(b"%PDF"))

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

    def test_migration_subscribes_live_paid_instances(self):
        old = self.Instance._create_state_machine([{
            "name": "Old", "subdomain": "h5-old", "partner_id": self.customer.id,
            "plan_id": self.monthly.id, "server_id": self.server.id, "state": "active"}])
        stopped = self.Instance._create_state_machine([{
            "name": "Stopped", "subdomain": "h5-stopped", "partner_id": self.customer.id,
            "plan_id": self.monthly.id, "server_id": self.server.id, "state": "suspended"}])
        report = self.Instance._billing_subscribe_unsubscribed()
        self.assertEqual(report["h5-old"], f"subscribed from {date.today()}")
        self.assertEqual(report["h5-stopped"], "skipped: suspended")
        self.assertTrue(old.contract_line_id)
        self.assertFalse(stopped.contract_line_id)
        self.assertNotIn("h5-old", self.Instance._billing_subscribe_unsubscribed(), "once")
        self.assertTrue(stopped.billing_can_subscribe)
        stopped.action_subscribe()
        self.assertTrue(stopped.contract_line_id)
        self.assertEqual(old.contract_id.action_view_saas_instances()["domain"],
                         [("contract_id", "=", old.contract_id.id)])

    def test_subscribing_during_trial_starts_after_it(self):
        instance = self._instance("h5-subtrial", self.trial_plan,
                                  trial_end_date=date(2025, 5, 20))
        with freeze_time("2025-05-10"):
            instance._subscribe()
        self.assertEqual(instance.contract_line_id.date_start, date(2025, 5, 21))
        self._invoice(date(2025, 5, 20))
        self.assertFalse(self._invoices(instance))
        self._invoice(date(2025, 5, 21))
        self.assertEqual(self._invoices(instance).amount_untaxed, 30.0)

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
