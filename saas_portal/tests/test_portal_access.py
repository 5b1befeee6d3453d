import json
from datetime import date, timedelta

from odoo.exceptions import AccessError

from odoo.tests import tagged

from odoo.addons.saas_provisioning.tests.common import create_customer, create_instance

from .common import SaasPortalCase


@tagged("post_install", "-at_install")
class TestPortalAccess(SaasPortalCase):
    """Customer A, logged in, against customer B's instances and invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_a, cls.partner_a = create_customer(cls.env, "h7-cust-a", "Alpha Company")
        cls.user_b, cls.partner_b = create_customer(cls.env, "h7-cust-b", "Bravo Company")
        # a contact of A's company sees A's instances too (commercial partner)
        cls.contact_a = cls.env["res.partner"].create({
            "name": "Alice", "parent_id": cls.partner_a.id, "email": "alice@alpha.test"})
        def instance(subdomain, name, partner):
            return create_instance(cls.env, subdomain, partner, cls.plan_small, name=name,
                                   server_id=cls.server.id)

        cls.inst_a = instance("h7-alpha", "Alpha", cls.partner_a)
        cls.inst_b = instance("h7-bravo", "Bravo Secret Name", cls.partner_b)
        cls.inst_b2 = instance("h7-bravo-two", "Bravo Suspended", cls.partner_b)
        # (states are written by the state machine only: put them there directly)
        (cls.inst_a | cls.inst_b)._write_state_machine({
            "state": "active", "user_count": 2, "db_size_mb": 40.0, "filestore_size_mb": 10.0})
        cls.inst_b2._write_state_machine({"state": "suspended"})
        # invoices per instance, made by saas_billing_contract's contracts
        cls.invoice_a = cls._invoice_current_month(cls.inst_a)
        cls.invoice_b = cls._invoice_current_month(cls.inst_b)
        assert len(cls.invoice_a) == len(cls.invoice_b) == 1

    def test_own_pages_work(self):
        self.authenticate("h7-cust-a", "h7-cust-a-pass-123")
        listing = self.url_open("/my/saas")
        self.assertEqual(listing.status_code, 200)
        self.assertIn("Alpha", listing.text)
        self.assertNotIn("Bravo", listing.text)
        detail = self.url_open(f"/my/saas/{self.inst_a.id}")
        self.assertEqual(detail.status_code, 200)
        self.assertIn("h7-alpha.localhost", detail.text)
        self.assertIn("2 ", detail.text)
        self.assertIn('data-usage="users"', detail.text)
        self.assertIn("width: 67%", detail.text, "2 users of 3")
        self.assertIn("width: 10%", detail.text, "50 MB of 500 MB")
        self.assertIn(f"/my/saas/{self.inst_a.id}/open", detail.text)
        counters = self.url_open(
            "/my/counters", data=json.dumps({"params": {"counters": ["saas_instance_count"]}}),
            headers={"Content-Type": "application/json"}).json()["result"]
        self.assertEqual(counters["saas_instance_count"], 1)

    def test_suspended_banner_pay_link(self):
        self.inst_a._write_state_machine({"state": "suspended"})
        self.env.cr.execute("UPDATE account_move SET invoice_date_due = %s WHERE id = %s",
                            [date.today() - timedelta(days=10), self.invoice_a.id])
        self.invoice_a.invalidate_recordset()
        self.assertEqual(self.inst_a._overdue_invoices(), self.invoice_a)
        self.authenticate("h7-cust-a", "h7-cust-a-pass-123")
        detail = self.url_open(f"/my/saas/{self.inst_a.id}")
        self.assertIn("o_saas_suspended_banner", detail.text)
        self.assertIn("Your Odoo is suspended", detail.text)
        self.assertIn(f'href="{self.invoice_a.get_portal_url()}"', detail.text)
        self.assertNotIn("o_saas_open", detail.text, "no Open button while suspended")
        self.assertEqual(self.url_open(f"/my/saas/{self.inst_a.id}/open", data={
            "csrf_token": self._csrf()}, allow_redirects=False).status_code, 404)

    def test_other_customer_gets_nothing(self):
        self.authenticate("h7-cust-a", "h7-cust-a-pass-123")
        plan_before = self.inst_b.plan_id
        for instance in (self.inst_b, self.inst_b2):
            bid = instance.id
            for path in (f"/my/saas/{bid}", f"/my/saas/{bid}/open", f"/my/saas/{bid}/plan",
                         f"/my/saas/{bid}/plan?plan_id={self.plan_big.id}",
                         f"/saas/progress/{bid}", f"/saas/progress/{bid}/status"):
                response = self.url_open(path, allow_redirects=False)
                # /open answers GET with 405 whoever asks
                self.assertIn(response.status_code, (403, 404, 405), path)
                self.assertNotIn("Bravo", response.text, path)
                self.assertNotIn("h7-bravo", response.text, path)
                self.assertNotIn("token=", response.headers.get("Location", ""), path)
            csrf = self._csrf()
            response = self.url_open(f"/my/saas/{bid}/open", data={"csrf_token": csrf},
                                     allow_redirects=False)
            self.assertEqual(response.status_code, 404)
            self.assertNotIn("token", response.text)
            response = self.url_open(f"/my/saas/{bid}/plan", data={
                "csrf_token": csrf, "plan_id": str(self.plan_big.id), "confirm": "1"},
                allow_redirects=False)
            self.assertIn(response.status_code, (403, 404))
        # ids that do not exist answer the same as ids of others
        self.assertEqual(self.url_open("/my/saas/99999999").status_code, 404)
        self.inst_b.invalidate_recordset()
        self.assertEqual(self.inst_b.plan_id, plan_before)

        # RPC as A: B's records are neither readable nor writable
        def call(model, method, args, kwargs=None):
            return self.make_jsonrpc_request("/web/dataset/call_kw", {
                "model": model, "method": method, "args": args, "kwargs": kwargs or {}})

        with self.assertRaises(Exception) as ctx:
            call("saas.instance", "read", [[self.inst_b.id], ["name"]])
        self.assertNotIn("Bravo Secret", str(ctx.exception))
        found = call("saas.instance", "search_read", [[]], {"fields": ["name"]})
        self.assertEqual([r["name"] for r in found], ["Alpha"])
        for method, args in (("write", [[self.inst_b.id], {"plan_id": self.plan_big.id}]),
                             ("_sso_login_form", [[self.inst_b.id]]),
                             ("_sso_login_form", [[self.inst_a.id]]),
                             ("change_plan", [[self.inst_b.id], self.plan_big.id]),
                             ("request_provisioning", [[self.inst_b.id], "x"]),
                             ("action_suspend", [[self.inst_b.id]]),
                             # even on its own instance, a customer has no backend actions
                             ("action_suspend", [[self.inst_a.id]]),
                             ("action_terminate", [[self.inst_a.id]]),
                             ("write", [[self.inst_a.id], {"plan_id": self.plan_big.id}]),
                             ("_portal_progress", [[self.inst_b.id]])):
            with self.assertRaises(Exception, msg=method):
                call("saas.instance", method, args)
        self.inst_b.invalidate_recordset()
        self.assertEqual((self.inst_b.plan_id, self.inst_b.state), (plan_before, "active"))
        self.inst_a.invalidate_recordset()
        self.assertEqual((self.inst_a.plan_id, self.inst_a.state), (plan_before, "active"))

    def test_other_customer_invoices(self):
        self.authenticate("h7-cust-a", "h7-cust-a-pass-123")
        detail = self.url_open(f"/my/saas/{self.inst_a.id}")
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

    def _csrf(self):
        page = self.url_open("/saas/signup").text
        return page.split('name="csrf_token" value="')[1].split('"')[0]

    def test_sso_token_refused_for_other_customer(self):
        with self.assertRaises(AccessError):
            self.inst_b.with_user(self.user_a)._sso_login_form()
        self.assertTrue(self.inst_a.with_user(self.user_a)._sso_login_form()["token"])
