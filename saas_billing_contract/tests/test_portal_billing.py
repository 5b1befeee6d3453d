from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.saas_portal.tests.common import SaasPortalCase

from .portal_common import invoice_current_month


@tagged("post_install", "-at_install")
class TestPortalBilling(SaasPortalCase):
    """The billing part of /my/saas: customer A, logged in, sees its invoices
    and pays the overdue one; customer B's invoices and plan are out of reach."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._two_customers()
        # invoices per instance, made by saas_billing_contract's contracts
        cls.invoice_a = invoice_current_month(cls.inst_a)
        cls.invoice_b = invoice_current_month(cls.inst_b)
        assert len(cls.invoice_a) == len(cls.invoice_b) == 1

    def test_sign_up_page_shows_the_trial(self):
        page = self.url_open("/saas/signup")
        self.assertIn("14 days free trial", page.text)
        self.assertEqual(page.text.count("o_saas_plan_trial"), 1, "not for the plan without")

    def test_suspended_banner_pay_link(self):
        self.inst_a._write_state_machine({"state": "suspended"})
        self.env.cr.execute("UPDATE account_move SET invoice_date_due = %s WHERE id = %s",
                            [fields.Date.context_today(self.inst_a) - timedelta(days=10),
                             self.invoice_a.id])
        self.invoice_a.invalidate_recordset()
        self.assertEqual(self.inst_a._overdue_invoices(), self.invoice_a)
        self.authenticate("h7-cust-a", "h7-cust-a-pass-123")
        detail = self.url_open(f"/my/saas/{self.inst_a.id}")
        self.assertIn("o_saas_suspended_banner", detail.text)
        self.assertIn("Your Odoo is suspended", detail.text)
        self.assertIn("An invoice is overdue", detail.text)
        self.assertNotIn("Please contact us", detail.text)
        self.assertIn(f'href="{self.invoice_a.get_portal_url()}"', detail.text)

    def test_other_customer_invoices(self):
        self.authenticate("h7-cust-a", "h7-cust-a-pass-123")
        detail = self.url_open(f"/my/saas/{self.inst_a.id}")
        self.assertIn("o_saas_next_invoice", detail.text)
        self.assertIn(f"/my/invoices/{self.invoice_a.id}", detail.text)
        self.assertNotIn(f"/my/invoices/{self.invoice_b.id}", detail.text)
        own = self.url_open(f"/my/invoices/{self.invoice_a.id}")
        self.assertEqual(own.status_code, 200)
        other = self.url_open(f"/my/invoices/{self.invoice_b.id}", allow_redirects=False)
        # Odoo's own invoice route sends intruders back to /my (303), never the invoice
        self.assertIn(other.status_code, (303, 403, 404))
        self.assertNotIn(self.invoice_b.name, other.text)
        pdf = self.url_open(f"/my/invoices/{self.invoice_b.id}?report_type=pdf",
                            allow_redirects=False)
        self.assertNotEqual(pdf.headers.get("Content-Type"), "application/pdf")

    def test_other_customer_cannot_change_plan(self):
        self.authenticate("h7-cust-a", "h7-cust-a-pass-123")
        plan_before = self.inst_b.plan_id
        for instance in (self.inst_b, self.inst_b2):
            bid = instance.id
            self._assert_nothing_of_b((f"/my/saas/{bid}/plan",
                                       f"/my/saas/{bid}/plan?plan_id={self.plan_big.id}",
                                       f"/my/saas/{bid}/cancel"))
            response = self.url_open(f"/my/saas/{bid}/plan", data={
                "csrf_token": self._csrf(), "plan_id": str(self.plan_big.id), "confirm": "1"},
                allow_redirects=False)
            self.assertIn(response.status_code, (403, 404))
        with self.assertRaises(Exception):
            self._rpc("saas.instance", "change_plan", [[self.inst_b.id], self.plan_big.id])
        self.inst_b.invalidate_recordset()
        self.assertEqual(self.inst_b.plan_id, plan_before)
        # the plan page of its own instance: the crumbs lead back to it
        page = self.url_open(f"/my/saas/{self.inst_a.id}/plan")
        self.assertEqual(page.status_code, 200)
        self.assertIn(f'href="/my/saas/{self.inst_a.id}"', page.text)
        self.assertIn("H7 Business", page.text)
