"""The overview's money figures (MRR, ARR, trend, per plan, overdue) and
the cancelled subscriptions in the churn, against values computed by hand
on a fixture of known contract lines and invoices, at a fixed clock."""
from datetime import date, datetime

from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.saas_base.tests.common import (
    clear_instances,
    create_plan,
    create_template,
    overview_item,
)

NOW = datetime(2030, 6, 15, 12, 0, 0)



@tagged("post_install", "-at_install")
class TestOverviewMoney(AccountTestInvoicingCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        product = cls.env["product.product"].create({"name": "ov service", "type": "service"})
        env = cls.env(su=True)
        template = create_template(env, name="ov", module_list="base")
        cls.starter = create_plan(env, template, name="ov Starter")
        cls.business = create_plan(env, template, name="ov Business")

        def contract(lines, saas=True, company=None):
            return cls.env["contract.contract"].sudo().create({
                "name": "ov", "partner_id": cls.partner_a.id, "contract_type": "sale",
                "line_recurrence": True, "saas_subscription": saas,
                "company_id": (company or cls.company).id,
                "contract_line_ids": [(0, 0, dict({
                    "product_id": product.id, "name": "ov line", "quantity": 1,
                    "automatic_price": False, "recurring_interval": 1,
                    "recurring_rule_type": "monthly"}, **line)) for line in lines],
            })

        contract([
            # 30 a month from January
            {"price_unit": 30, "date_start": date(2030, 1, 10), "saas_plan_id": cls.starter.id},
            # 1,200 a year from November: 100 a month
            {"price_unit": 1200, "recurring_rule_type": "yearly",
             "date_start": date(2029, 11, 1), "saas_plan_id": cls.business.id},
            # 2 x 30 at 50 % off from June: 30 a month
            {"price_unit": 30, "quantity": 2, "discount": 50, "date_start": date(2030, 6, 1),
             "saas_plan_id": cls.starter.id},
            # 90 a quarter, March to June 10: 30 a month, ended before today
            {"price_unit": 90, "recurring_rule_type": "quarterly",
             "date_start": date(2030, 3, 1), "date_end": date(2030, 6, 10),
             "saas_plan_id": cls.starter.id},
            # cancelled: never counts
            {"price_unit": 50, "date_start": date(2030, 1, 1), "is_canceled": True,
             "saas_plan_id": cls.starter.id},
            # 40 every 2 months from May 20, no plan: 20 a month
            {"price_unit": 40, "recurring_interval": 2, "date_start": date(2030, 5, 20)},
        ])
        # not a SaaS subscription, or another company's: not ours
        contract([{"price_unit": 999, "date_start": date(2030, 1, 1)}], saas=False)
        other = cls.setup_other_company()["company"]
        contract([{"price_unit": 777, "date_start": date(2030, 1, 1)}], company=other)

        def invoice(due, amount, post=True, move_type="out_invoice"):
            return cls.init_invoice(move_type, invoice_date=due, amounts=[amount], taxes=[],
                                    post=post)

        invoice(date(2030, 6, 1), 100)  # overdue
        invoice(date(2030, 6, 20), 200)  # not due yet
        paid = invoice(date(2030, 5, 1), 300)
        cls.pay(paid, 300)
        invoice(date(2030, 5, 1), 400, post=False)  # a draft
        invoice(date(2030, 5, 1), 50, move_type="out_refund")
        partial = invoice(date(2030, 6, 14), 500)
        cls.pay(partial, 200)  # 300 still due

    @classmethod
    def pay(cls, move, amount):
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids).create({
                "amount": amount, "payment_date": move.invoice_date})._create_payments()

    def test_money_figures(self):
        sections = self.env["saas.overview"]._overview_data(NOW)
        self.assertAlmostEqual(overview_item(sections, "mrr")[1]["value"], 180.0)
        self.assertAlmostEqual(overview_item(sections, "arr")[1]["value"], 2160.0)
        trend = overview_item(sections, "mrr_trend")[1]
        self.assertEqual(trend["labels"], [
            "2029-07", "2029-08", "2029-09", "2029-10", "2029-11", "2029-12", "2030-01",
            "2030-02", "2030-03", "2030-04", "2030-05", "2030-06"])
        self.assertEqual(trend["datasets"][0]["data"],
                         [0, 0, 0, 0, 100, 100, 130, 130, 160, 160, 180, 180])
        per_plan = overview_item(sections, "mrr_per_plan")[1]
        self.assertEqual(dict(zip(per_plan["labels"], per_plan["datasets"][0]["data"])),
                         {"ov Business": 100, "ov Starter": 60, "Other": 20})
        overdue = overview_item(sections, "overdue")[1]
        self.assertAlmostEqual(overdue["value"], 400.0)
        self.assertEqual(overdue["hint"], "2 invoices")
        self.assertEqual(len(self.env["account.move"].search(overdue["action"]["domain"])), 2)

    def test_cancelled_subscriptions_in_the_churn(self):
        plan = self.starter
        partner = self.partner_a
        make = self.env["saas.instance"].sudo()._create_state_machine
        clear_instances(self.env.cr)
        cancelled = make([{"name": "ov c1", "subdomain": "ov-c1", "plan_id": plan.id,
                           "partner_id": partner.id, "state": "suspended"}])
        cancelled.write({"billing_suspended": "cancelled",
                         "billing_suspend_date": date(2030, 6, 1)})
        old = make([{"name": "ov c2", "subdomain": "ov-c2", "plan_id": plan.id,
                     "partner_id": partner.id, "state": "suspended"}])
        old.write({"billing_suspended": "cancelled", "billing_suspend_date": date(2030, 4, 1)})
        gone = make([{"name": "ov c3", "subdomain": "ov-c3", "plan_id": plan.id,
                      "partner_id": partner.id, "state": "terminated",
                      "state_date": datetime(2030, 6, 2)}])
        gone.write({"billing_suspended": "cancelled", "billing_suspend_date": date(2030, 6, 1)})
        churn = overview_item(self.env["saas.overview"]._overview_data(NOW), "churn")[1]
        # c1 cancelled 14 days ago, c3 cancelled then terminated (once); c2 too long ago
        self.assertEqual(churn["value"], 2)
        self.assertEqual(churn["action"]["domain"], [("id", "in", sorted(
            (cancelled | gone).ids))])

    def test_trial_figures_among_the_customers(self):
        make = self.env["saas.instance"].sudo()._create_state_machine
        clear_instances(self.env.cr)

        def trial(name, state, end):
            return make([{"name": name, "subdomain": name, "plan_id": self.starter.id,
                          "partner_id": self.partner_a.id, "state": state,
                          "trial_end_date": end}])

        trial("ov-a1", "active", date(2030, 6, 20))
        trial("ov-a2", "active", date(2030, 6, 15))
        trial("ov-a3", "active", date(2030, 6, 1))
        trial("ov-s1", "suspended", date(2030, 6, 10))
        trial("ov-s2", "suspended", date(2030, 5, 10))
        sections = self.env["saas.overview"]._overview_data(NOW)
        # a1 (ends in 5 days) and a2 (ends today), in billing's figure of customers
        section, running = overview_item(sections, "trials_running")
        self.assertEqual((section, running["value"]), ("customers", 2))
        # ended within 30 days: a3 (still active: paid) and s1 (suspended)
        conversion = overview_item(sections, "trial_conversion")[1]
        self.assertEqual((conversion["value"], conversion["display"]), (0.5, "50 %"))
        self.assertEqual(conversion["hint"], "1 of 2 trials")
