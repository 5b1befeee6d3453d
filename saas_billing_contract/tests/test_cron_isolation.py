"""The billing crons isolate each tenant: one whose suspension fails (its
administrator revoked CONNECT on its database from its own role, so the
master cannot write its settings) rolls back nothing of the others' and
stops nobody; its failure is logged on it.  Real tenants, cloned from a
real template, real OCA contracts and invoices."""
from datetime import date

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from odoo.addons.saas_provisioning.tests.common import create_plan
from odoo.addons.saas_provisioning.tests.hostile import (
    new_tenants,
    refuse_connections,
    set_up_tenants,
)

LOOPS_LOGGER = "odoo.addons.saas_provisioning.models.saas_instance_loops"


@tagged("post_install", "-at_install")
class TestBillingCronIsolation(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        common = {"max_storage_mb": 0, "max_users": 5, "price": 30.0, "period": "monthly"}
        set_up_tenants(cls, "Billing isolation", **common)
        cls.monthly = cls.plan
        cls.trial_plan = create_plan(cls.env, cls.template, name="Billing isolation trial",
                                     trial_days=14, **common)

    def _tenants(self, prefix, plan):
        """Three real tenants; the middle one (in the crons' order) refuses
        the master."""
        a, hostile, b = new_tenants(self, plan, [f"{prefix}-{name}" for name in
                                                 ("a", "hostile", "b")], self.addCleanup)
        refuse_connections(hostile)
        return a, hostile, b

    def _suspended_in_tenant(self, instance):
        return instance._tenant_db().read_settings().get("suspended") == "1"

    def _assert_failed_on(self, instance, operation, step):
        line = instance.log_ids.filtered(lambda l: l.result == "failed")
        self.assertEqual(len(line), 1, instance.log_ids.mapped("message"))
        self.assertEqual((line.operation, line.step), (operation, step))
        self.assertIn("permission denied for database", line.message)

    def test_trial_end_suspends_the_others(self):
        a, hostile, b = self._tenants("iso-trial", self.trial_plan)
        for instance in (a, hostile, b):
            instance.trial_end_date = date(2025, 5, 20)
            instance._billing_align_trial_start()
            instance.action_cancel_subscription()
            self.assertTrue(instance.contract_line_id.is_canceled)
        with freeze_time("2025-05-21"), self.assertLogs(LOOPS_LOGGER, "WARNING") as logs:
            ended = self.env["saas.instance"]._cron_billing_trial(date(2025, 5, 21))
        self.assertEqual(ended, a | b)
        for instance in (a, b):
            self.assertEqual((instance.state, instance.billing_suspended), ("suspended", "trial"))
            self.assertTrue(self._suspended_in_tenant(instance))
        self.assertEqual((hostile.state, hostile.billing_suspended), ("active", False))
        self._assert_failed_on(hostile, "suspend", "service end")
        self.assertIn(hostile.database_name, "\n".join(logs.output))
        # the next run tries it again, and only it
        with freeze_time("2025-05-22"), self.assertLogs(LOOPS_LOGGER, "WARNING"):
            self.assertFalse(self.env["saas.instance"]._cron_billing_trial(date(2025, 5, 22)))
        self.assertEqual(len(hostile.log_ids.filtered(lambda l: l.result == "failed")), 2)

    def test_dunning_suspends_the_others_payment_reactivates(self):
        a, hostile, b = self._tenants("iso-dun", self.monthly)
        for instance in (a, hostile, b):
            instance._subscribe(date_start=date(2025, 3, 1))
        with freeze_time("2025-03-01"):
            self.env["contract.contract"].with_context(
                queue_job__no_delay=True).cron_recurring_create_invoice(date_ref=date(2025, 3, 1))
        invoice = self.env["account.move"].search(
            [("line_ids.saas_instance_id", "=", a.id)])
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(set(invoice.line_ids.saas_instance_id.ids), {a.id, hostile.id, b.id})

        with freeze_time("2025-03-16"), self.assertLogs(LOOPS_LOGGER, "WARNING"):
            suspended = self.env["saas.instance"].with_context(
                queue_job__no_delay=True)._cron_billing_dunning(date=date(2025, 3, 16))
        self.assertEqual(suspended, a | b)
        for instance in (a, b):
            self.assertEqual((instance.state, instance.billing_suspended),
                             ("suspended", "dunning"))
            self.assertEqual(instance.dunning_invoice_ids, invoice)
            self.assertTrue(self._suspended_in_tenant(instance))
        self.assertEqual((hostile.state, hostile.billing_suspended), ("active", False))
        self._assert_failed_on(hostile, "suspend", "dunning")

        # the payment path is unchanged: paying reactivates the suspended ones
        with freeze_time("2025-03-17"):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids,
            ).create({"payment_date": date(2025, 3, 17)})._create_payments()
        for instance in (a, b):
            self.assertEqual((instance.state, instance.billing_suspended), ("active", False))
            self.assertFalse(self._suspended_in_tenant(instance))
