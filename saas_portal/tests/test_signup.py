import json

from odoo.exceptions import AccessDenied
from odoo.tests import tagged

from odoo.addons.saas_provisioning.tests.common import create_instance
from odoo.addons.saas_router.routing import tenant_db_prefix

from .common import PASSWORD, SaasPortalCase


@tagged("post_install", "-at_install")
class TestSignup(SaasPortalCase):
    """The sign-up path over HTTP, up to the queued provisioning (jobs are
    not run here; test_browser runs the whole pipeline)."""

    def test_page_shows_published_plans(self):
        page = self.url_open("/saas/signup")
        self.assertEqual(page.status_code, 200)
        self.assertIn("H7 Starter", page.text)
        self.assertIn("H7 Business", page.text)
        self.assertNotIn("H7 Internal", page.text, "unpublished plans stay hidden")
        self.assertIn("3 users", page.text)
        self.assertIn("500 MB storage", page.text)
        self.assertIn('name="website"', page.text, "honeypot field")
        self.assertNotIn("o_main_navbar", page.text, "no backend for customers")

    def test_check_availability(self):
        def check(sub):
            response = self.url_open("/saas/signup/check?subdomain=" + sub)
            return response.status_code, response.json()

        status, data = check("www")
        self.assertEqual((status, data["available"]), (200, False))
        self.assertIn("reserved", data["reason"])
        status, data = check("h7-free-name")
        self.assertTrue(data["available"])
        self.assertIn("h7-free-name.localhost", data["reason"])
        status, data = check("xn--80ak6aa92e")
        self.assertIn("Punycode", data["reason"])
        create_instance(self.env, "h7-taken", self.env["res.partner"].create({"name": "T"}),
                        self.plan_small, name="Taken")
        status, data = check("h7-taken")
        self.assertFalse(data["available"])
        self.assertIn("already taken", data["reason"])
        # a database named as tenants' were (<prefix><subdomain>), made by
        # anyone else, holds no name: new tenants' databases are opaque
        squatted = tenant_db_prefix() + "h7_squatted"
        pg = self.server._pg_admin()
        pg.create_database(squatted)
        self.addCleanup(pg.drop, squatted)
        status, data = check("h7-squatted")
        self.assertTrue(data["available"], data)
        # throttled per client address, counted in the database
        self.env["ir.config_parameter"].sudo().set_param("saas_portal.check_rate_limit", "3")
        self.env["saas.signup.attempt"].search([]).unlink()
        statuses = [check(f"h7-n{i}")[0] for i in range(5)]
        self.assertEqual(statuses, [200, 200, 200, 429, 429])
        self.assertTrue(check("h7-more")[1]["throttled"])

    def test_signup_creates_user_partner_instance_and_queues(self):
        jobs_before = self.env["queue.job"].search_count([])
        first = self._post_signup(self._signup_data())
        self.assertEqual(first.status_code, 303, first.text[:2000])
        instance = self.env["saas.instance"].search([("subdomain", "=", "h7-acme")])
        # no password on the form: nothing sealed, no account until one is chosen
        self.assertIn(f"/saas/signup/verify/{instance.id}?token=", first.headers["Location"])
        self.assertEqual((instance.state, instance.signup_verified), ("draft", False))
        self.assertFalse(instance.sudo().admin_password_sealed)
        self.assertFalse(self.env["res.users"].search([("login", "=", "owner@acme.test")]))
        self.assertEqual(self.env["queue.job"].search_count([]), jobs_before)
        mismatch = self._set_password(first.headers["Location"], confirm="other-pass-123")
        self.assertEqual(mismatch.status_code, 400)
        self.assertIn("do not match", mismatch.text)
        short = self._set_password(first.headers["Location"], password="short")
        self.assertEqual(short.status_code, 400)
        self.assertIn("at least 8", short.text)
        self.assertFalse(self.env["res.users"].search([("login", "=", "owner@acme.test")]))
        response = self._set_password(first.headers["Location"])
        self.assertEqual(response.status_code, 303, response.text[:2000])
        instance.invalidate_recordset()
        self.assertEqual(len(instance), 1)
        self.assertTrue(response.headers["Location"].endswith(f"/saas/progress/{instance.id}"))
        self.assertEqual(instance.state, "provisioning")
        self.assertEqual(instance.provision_step, "reserved")
        self.assertTrue(instance.portal_signup)
        self.assertEqual(instance.plan_id, self.plan_small)
        self.assertEqual(instance.admin_login, "owner@acme.test")
        self.assertTrue(instance.sudo().admin_password_sealed, "sealed for the customise step")
        self.assertEqual(self.env["queue.job"].search_count([]), jobs_before + 1)
        user = self.env["res.users"].search([("login", "=", "owner@acme.test")])
        self.assertTrue(user.has_group("base.group_portal"))
        self.assertFalse(user.has_group("base.group_user"), "customers never get the backend")
        self.assertEqual(user.partner_id, instance.partner_id)
        self.assertTrue(instance.partner_id.is_company)
        self.assertEqual(instance.partner_id.name, "Acme Corp")
        attempts = self.env["saas.signup.attempt"].search([("instance_id", "=", instance.id)])
        self.assertEqual(sorted(attempts.mapped(lambda a: (a.kind, a.result))),
                         [("signup", "pending"), ("verify", "accepted")])
        # the link is spent
        again = self.url_open(first.headers["Location"], allow_redirects=False)
        self.assertEqual(again.status_code, 404)
        # the browser is now logged in as the new customer and follows the progress
        page = self.url_open(f"/saas/progress/{instance.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Request received", page.text)
        self.assertIn(f"/saas/progress/{instance.id}/status", page.text)
        status = self.url_open(f"/saas/progress/{instance.id}/status").json()
        self.assertEqual(status["state"], "provisioning")
        self.assertEqual([s["done"] for s in status["steps"]],
                         [True, False, False, False, False, False])
        # and the password works (auth_signup's path hashed it), not another
        credential = {"type": "password", "login": "owner@acme.test", "password": PASSWORD}
        user.with_user(user)._check_credentials(credential, {"interactive": False})
        with self.assertRaises(AccessDenied):
            user.with_user(user)._check_credentials(
                dict(credential, password="wrong-pass"), {"interactive": False})
        home = self.url_open("/my/home", allow_redirects=False)
        self.assertEqual(home.status_code, 200, "the browser is logged in")
        self.assertIn("Acme Corp", home.text)

    def test_double_submit_creates_one_instance(self):
        data = self._signup_data(subdomain="h7-twice", email="twice@acme.test")
        first = self._signup_with_password(data)
        self.assertEqual(first.status_code, 303)
        instance = self.env["saas.instance"].search([("subdomain", "=", "h7-twice")])
        # the same form sent again from the same (now logged-in) browser
        csrf, _token = self._form()
        second = self._post_signup(dict(data, csrf_token=csrf))
        self.assertEqual(second.status_code, 303)
        self.assertTrue(second.headers["Location"].endswith(f"/saas/progress/{instance.id}"))
        # and from another browser: refused, nothing created
        self.authenticate(None, None)
        csrf, _token = self._form()
        third = self._post_signup(dict(data, csrf_token=csrf))
        self.assertEqual(third.status_code, 409)
        self.assertIn("already submitted", third.text)
        self.assertEqual(
            self.env["saas.instance"].search_count([("subdomain", "=", "h7-twice")]), 1)
        self.assertEqual(self.env["res.users"].search_count([("login", "=", "twice@acme.test")]), 1)

    def test_failure_is_told_and_support_notified(self):
        self._signup_with_password(self._signup_data(subdomain="h7-fails",
                                                     email="fails@acme.test"))
        instance = self.env["saas.instance"].search([("subdomain", "=", "h7-fails")])
        instance.action_fail("clone failed: disk full")
        activity = instance.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("h7-fails", activity.summary)
        self.assertTrue(activity.user_id.has_group("saas_base.group_saas_manager"))
        status = self.url_open(f"/saas/progress/{instance.id}/status").json()
        self.assertTrue(status["failed"])
        self.assertIn("support team has been notified", status["message"])
        self.assertNotIn("disk full", status["message"], "no internals shown to customers")

    def test_portal_home_counter(self):
        self._signup_with_password(self._signup_data(subdomain="h7-count",
                                                     email="count@acme.test"))
        home = self.url_open("/my/home")
        self.assertEqual(home.status_code, 200)
        self.assertIn('href="/my/saas"', home.text)
        response = self.url_open(
            "/my/counters", data=json.dumps({"params": {"counters": ["saas_instance_count"]}}),
            headers={"Content-Type": "application/json"})
        self.assertEqual(response.json()["result"]["saas_instance_count"], 1)
        listing = self.url_open("/my/saas")
        self.assertIn("h7-count.localhost", listing.text)
