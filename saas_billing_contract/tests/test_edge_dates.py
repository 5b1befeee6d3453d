from datetime import timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.tests import TransactionCase, tagged
from odoo.addons.saas_provisioning.tests.common import (
    create_instance,
    create_plan,
    create_test_server,
    ready_template,
)

from .edge_dates import EDGE_DATES


def oca_period(start):
    """The first monthly period of a line starting on ``start``, as OCA
    contract makes it: one month less a day (31 January -> 27 February in
    2027: one month on is 28 February)."""
    return start, start + relativedelta(months=1) - timedelta(days=1)


@tagged("post_install", "-at_install")
class TestBillingAtEdgeDates(TransactionCase):
    """The date-dependent billing flow (trial start, first invoice, a
    prorated change, cancel at period end) run at each edge date under a
    fixed clock: real OCA contracts and invoices, expectations computed
    here from the calendar."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        server = create_test_server(cls.env, name="Edge dates PostgreSQL")
        template = ready_template(cls.env, server)
        common = {"max_storage_mb": 0, "period": "monthly", "max_users": 5}
        cls.monthly = create_plan(cls.env, template, name="Edge Monthly", price=30.0, **common)
        cls.big = create_plan(cls.env, template, name="Edge Big", price=60.0, **common)
        cls.trial_plan = create_plan(cls.env, template, name="Edge Trial", price=30.0,
                                     trial_days=14, **common)
        cls.server = server

    def _instance(self, subdomain, plan, customer):
        return create_instance(self.env, subdomain, customer, plan, server_id=self.server.id)

    def _invoice(self, day):
        with freeze_time(day):
            self.env["contract.contract"].with_context(
                queue_job__no_delay=True).cron_recurring_create_invoice(date_ref=day)

    def _invoices(self, instance):
        return self.env["account.move"].search(
            [("line_ids.saas_instance_id", "=", instance.id)], order="invoice_date, id")

    def test_billing_flow_at_each_edge_date(self):
        for n, day in enumerate(EDGE_DATES):
            with self.subTest(day=day):
                self._flow(f"edge-{n}", day)

    def _flow(self, prefix, day):
        # a customer (so a contract) per date: each date's invoices are its own
        customer = self.env["res.partner"].create({
            "name": f"Edge Customer {prefix}", "email": f"{prefix}@customer.test"})
        start, end = oca_period(day)
        days = (end - start).days + 1
        # a trial requested today is billed from the day after it ends
        trial = self._instance(f"{prefix}-trial", self.trial_plan, customer)
        with freeze_time(day):
            trial._subscribe()
        self.assertEqual(trial.contract_line_id.date_start, day + timedelta(days=15))

        # subscribed today, invoiced today for one OCA period
        instance = self._instance(f"{prefix}-paid", self.monthly, customer)
        with freeze_time(day):
            instance._subscribe()
        self.assertEqual(instance.contract_line_id.date_start, day)
        self._invoice(day)
        first = self._invoices(instance)
        self.assertEqual((first.state, first.invoice_date, first.amount_untaxed),
                         ("posted", day, 30.0))
        self.assertEqual(instance.contract_line_id.last_date_invoiced, end)

        # a change ten days in credits and charges the days left of that period
        change = day + timedelta(days=10)
        left = (end - change).days + 1
        credit, charge = round(30.0 * left / days, 2), round(60.0 * left / days, 2)
        with freeze_time(change):
            preview = instance.change_plan(self.big)
        self.assertEqual((preview["period_start"], preview["period_end"], preview["days"],
                          preview["period_days"]), (start, end, left, days))
        self.assertEqual((preview["credit"], preview["charge"]), (credit, charge))
        line = instance.contract_line_id
        self.assertEqual((line.date_start, line.recurring_next_date),
                         (change, end + timedelta(days=1)))

        # the next invoice: the new plan's period, the credit and the charge
        self._invoice(end + timedelta(days=1))
        second = self._invoices(instance) - first
        # (the trial instance's first period is on the same invoice)
        self.assertEqual(sorted(second.invoice_line_ids.filtered(
            lambda line: line.saas_instance_id == instance).mapped("price_subtotal")),
                         sorted([-credit, charge, 60.0]))
        next_start, next_end = end + timedelta(days=1), \
            end + timedelta(days=1) + relativedelta(months=1) - timedelta(days=1)

        # cancelled mid-period: the service ends with the paid period
        with freeze_time(next_start + timedelta(days=3)):
            instance.action_cancel_subscription()
        self.assertEqual(instance.contract_line_id.date_end, next_end)
