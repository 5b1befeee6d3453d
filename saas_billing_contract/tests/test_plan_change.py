"""Plan changes: prorated, recorded (saas.plan.change), refused when the
tenant's usage does not fit, and read by the customer."""
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .billing_case import BillingCase


@tagged("post_install", "-at_install")
class TestPlanChange(BillingCase):
    """A change replaces the contract line and bills the days left."""

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
            self.assertFalse(instance.plan_change_ids, "a preview records nothing")
            self.assertEqual(instance.change_plan(self.big, change), preview,
                             "change_plan answers what the preview said")
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

        # the change is recorded with what it billed
        record = instance.plan_change_ids
        self.assertEqual(len(record), 1)
        self.assertEqual(
            (record.old_plan_id, record.new_plan_id, record.effective_date, record.date,
             record.credit, record.charge, record.net, record.currency_id,
             record.user_id, record.old_line_id, record.new_line_id),
            (self.monthly, self.big, change, change, 20.32, 40.65, 20.33,
             old_line.currency_id, self.env.user, old_line, new_line))
        self.assertEqual((record.period_start, record.period_end, record.days,
                          record.period_days), (date(2025, 1, 1), date(2025, 1, 31), 21, 31))
        self.assertEqual(sorted(record.adjustment_ids.mapped("amount")), [-20.32, 40.65])
        self.assertEqual(record.adjustment_ids, instance.billing_adjustment_ids)
        self.assertFalse(record.move_ids, "billed with the next invoice, not yet")
        self.assertEqual(instance.plan_change_count, 1)

        self._invoice(date(2025, 2, 1))
        february = self._invoices(instance)[-1]
        self.assertEqual(record.move_ids, february)
        amounts = sorted(february.invoice_line_ids.mapped("price_subtotal"))
        self.assertEqual(amounts, [-20.32, 40.65, 60.0])
        self.assertEqual(february.amount_untaxed, 80.33)
        self.assertTrue(all(instance.billing_adjustment_ids.mapped("invoiced")))
        self._invoice(date(2025, 2, 1))
        self.assertEqual(len(self._invoices(instance)), 2, "adjustments invoiced once")

    def test_downgrade_immediate_invoice_read_by_the_customer(self):
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
        record = instance.plan_change_ids
        self.assertEqual(record.move_ids, refund, "the credit note the change made at once")

        customer = new_test_user(self.env, "h5-portal", groups="base.group_portal",
                                 partner_id=self.customer.id)
        other = new_test_user(self.env, "h5-other", groups="base.group_portal")
        # no direct access: the portal reads them sudo after its own check
        with self.assertRaises(AccessError):
            self.env["saas.plan.change"].with_user(customer).search([])
        with self.assertRaises(AccessError):
            record.with_user(customer).read(["credit"])
        with self.assertRaises(AccessError):
            instance.with_user(other)._portal_plan_changes()
        self.assertEqual(instance.with_user(customer)._portal_plan_changes(), record)

        html = str(self.env["ir.qweb"].with_user(customer)._render(
            "saas_billing_contract.portal_plan_changes",
            {"instance": instance.with_user(customer)}))
        self.assertEqual(html.count("o_saas_plan_change\""), 1, html)
        for text in ("H5 Big", "H5 Monthly", "04/16/2025", refund.name, "30.00", "15.00"):
            self.assertIn(text, html)
        # an instance without changes renders nothing
        quiet = self._instance("h5-quiet", self.big)
        self.assertNotIn("o_saas_plan_changes", str(self.env["ir.qweb"]._render(
            "saas_billing_contract.portal_plan_changes", {"instance": quiet})))

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
        self.assertFalse(instance.plan_change_ids, "a refused change leaves no record")
        with self.assertRaisesRegex(UserError, "already on plan"):
            instance.change_plan(self.monthly, date(2025, 1, 11))
        self.assertFalse(self.env["saas.plan.change"].search([("instance_id", "=", instance.id)]))
