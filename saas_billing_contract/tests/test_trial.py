"""Trials: set at activation, billed from the day after, reminded, and
suspended then terminated when they end without a subscription."""
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.saas_provisioning.tests.common import create_plan

from .billing_case import BillingCase


@tagged("post_install", "-at_install")
class TestTrial(BillingCase):
    """The trial runs from the activation; the contract line after it."""

    def test_cancelled_trial_is_never_invoiced_and_ends(self):
        instance = self._tenant("h5-trial", self.trial_plan)
        self.assertTrue(instance.contract_line_id, "subscribed when requested")
        # activated today (saas_base): the trial ends 14 days later, the
        # line starts the day after
        today = fields.Date.context_today(instance)  # the user's day, as the code's
        self.assertEqual(instance.activation_date, today)
        self.assertEqual(instance.trial_end_date, today + timedelta(days=14))
        self.assertEqual(instance.contract_line_id.date_start, today + timedelta(days=15))
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
        free = create_plan(self.env, self.template, name="H5 Free", price=0.0)
        trial = self._instance("h5-convert", self.trial_plan)
        paid = self._instance("h5-paid", self.monthly)
        gratis = self._instance("h5-free", free)
        today = fields.Date.context_today(trial)  # the user's day, as the code's
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
        paid._set_state("active")
        self.assertEqual(trial.trial_end_date, today + timedelta(days=14))
        self.assertFalse(paid.trial_end_date, "a plan without trial days has no trial")
        self.assertEqual(paid.activation_date, today)
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

    def test_no_termination_while_a_job_of_the_instance_runs(self):
        """An ended service is not terminated while a job of the instance
        (a restore, a move...) has not ended: the next run terminates it."""
        instance = self._instance("h5-busy", self.trial_plan, state="suspended")
        job = instance.with_delay(description="a long operation")._job_terminate()
        instance.current_job_uuid = job.uuid
        self.assertEqual(instance._current_job().uuid, job.uuid)
        self.assertTrue(instance._current_job_running(), "pending: not ended")
        self.assertFalse(instance._billing_terminate_ended(30))
        self.assertEqual(instance.state, "suspended")
        instance._current_job().state = "done"
        self.assertFalse(instance._current_job_running())
        with trap_jobs() as trap:
            self.assertTrue(instance._billing_terminate_ended(30))
            trap.assert_jobs_count(1, only=instance._job_terminate)
