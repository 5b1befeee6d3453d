"""Sign-up abuse: rate limit per address (IPv6 by /64), a global cap per
hour, email verification before any account or database, expiry that frees
the name, and a full server refusing at once."""
import secrets
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import BaseCase, tagged

from .. import signup_rules
from .common import PASSWORD, SaasPortalCase

ADDRESS = "odoo.addons.saas_portal.controllers.signup.client_address"


@tagged("post_install", "-at_install")
class TestSignupRules(BaseCase):
    """The plain-Python rules, without a registry."""

    def test_address_bucket(self):
        bucket = signup_rules.address_bucket
        self.assertEqual(bucket("203.0.113.7"), "203.0.113.7")
        self.assertEqual(bucket("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64")
        self.assertEqual(bucket("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64")
        self.assertEqual(bucket("2001:DB8:1:2::9"), "2001:db8:1:2::/64")
        self.assertNotEqual(bucket("2001:db8:1:3::1"), bucket("2001:db8:1:2::1"))
        self.assertEqual(bucket("fe80::1%eth0"), "fe80::/64")
        self.assertEqual(bucket("::ffff:203.0.113.7"), "203.0.113.7")
        self.assertEqual(bucket(""), "unknown")
        self.assertEqual(bucket("x" * 100), "x" * 64)

    def test_refusal(self):
        refusal = signup_rules.refusal
        self.assertIsNone(refusal(4, 5, 99, 100))
        self.assertEqual(refusal(5, 5, 0, 100), signup_rules.RATE_LIMITED)
        self.assertEqual(refusal(0, 5, 100, 100), signup_rules.GLOBAL_CAP)
        self.assertIsNone(refusal(1000, 0, 1000, 0), "0 = no limit")

    def test_verification_expired(self):
        now = fields.Datetime.now()
        expired = signup_rules.verification_expired
        self.assertTrue(expired(now - timedelta(hours=25), now, 24))
        self.assertFalse(expired(now - timedelta(hours=23), now, 24))
        self.assertFalse(expired(now - timedelta(days=999), now, 0))


@tagged("post_install", "-at_install")
class TestSignupAbuse(SaasPortalCase):

    def setUp(self):
        super().setUp()
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("saas_portal.signup_verify_email", "True")
        params.set_param("saas_portal.signup_rate_limit", "5")
        params.set_param("saas_portal.signup_global_hourly_cap", "0")
        self.env["saas.signup.attempt"].search([]).unlink()

    def _signup(self, index, address, csrf=None, **overrides):
        data = {
            "csrf_token": csrf or self._form()[0],
            "signup_token": secrets.token_hex(16),
            "plan_id": str(self.plan_small.id),
            "subdomain": f"h7-ab-{index}",
            "company_name": f"Abuse {index}",
            "email": f"ab{index}@abuse.test",
            "password": PASSWORD,
            "website": "",
        }
        data.update(overrides)
        with patch(ADDRESS, return_value=address):
            return self._post_signup(data)

    def test_one_ipv6_64_is_capped(self):
        csrf, _token = self._form()
        statuses = [self._signup(i, f"2001:db8:77:1:{i:x}:{i * 7:x}::{i + 1:x}", csrf).status_code
                    for i in range(50)]
        self.assertEqual(statuses, [200] * 5 + [429] * 45)
        made = self.env["saas.instance"].search([("subdomain", "=like", "h7-ab-%")])
        self.assertEqual(len(made), 5)
        Attempt = self.env["saas.signup.attempt"]
        self.assertEqual(Attempt.search_count([("ip", "=", "2001:db8:77:1::/64"),
                                               ("result", "=", "rate_limited")]), 45)
        # the next /64 is another client
        self.assertEqual(self._signup(50, "2001:db8:77:2::1", csrf).status_code, 200)

    def test_global_cap_per_hour(self):
        self.env["ir.config_parameter"].sudo().set_param("saas_portal.signup_global_hourly_cap",
                                                          "3")
        csrf, _token = self._form()
        statuses = [self._signup(i, f"198.51.100.{i + 1}", csrf).status_code for i in range(5)]
        self.assertEqual(statuses, [200, 200, 200, 429, 429])
        response = self._signup(9, "198.51.100.99", csrf)
        self.assertIn("unusual number of sign-ups", response.text)

    def test_unverified_creates_nothing_and_expires(self):
        queue = self.env.ref("mail.ir_cron_mail_scheduler_action")
        Trigger = self.env["ir.cron.trigger"].sudo()
        triggers = Trigger.search_count([("cron_id", "=", queue.id)])
        before = self._counts()
        response = self._signup(1, "203.0.113.5", subdomain="h7-unverified")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Check your mailbox", response.text)
        instance = self.env["saas.instance"].search([("subdomain", "=", "h7-unverified")])
        self.assertEqual((instance.state, instance.signup_verified), ("draft", False))
        self.assertFalse(instance.server_id, "holds no place on a server")
        after = self._counts()
        self.assertEqual(after["databases"], before["databases"], "no database")
        self.assertEqual(after["jobs"], before["jobs"], "nothing queued")
        self.assertEqual(after["users"], before["users"], "no account before verifying")
        self.assertEqual(self.url_open("/my/home", allow_redirects=False).status_code, 303,
                         "not logged in")
        token = instance.sudo().signup_verify_token
        mail = self.env["mail.mail"].search([("email_to", "ilike", "ab1@abuse.test")])
        self.assertEqual(len(mail), 1)
        self.assertIn(f"/saas/signup/verify/{instance.id}?token={token}", mail.body_html)
        self.assertEqual(mail.email_from, self.env.company.email_formatted,
                         "sent by the operator's company, from a public request")
        self.assertEqual(Trigger.search_count([("cron_id", "=", queue.id)]), triggers + 1,
                         "the mail queue is called now, not at its next hourly run")
        # a day later, unverified: expired, the name is free again
        self.env.cr.execute("UPDATE saas_instance SET create_date = create_date - "
                            "interval '25 hours' WHERE id = %s", [instance.id])
        instance.invalidate_recordset()
        self.env["saas.instance"]._cron_expire_unverified_signups()
        self.assertEqual(instance.state, "terminated")
        self.assertFalse(instance.sudo().signup_verify_token)
        self.assertFalse(instance.sudo().admin_password_sealed)
        self.assertFalse(instance.partner_id.active)
        self.assertEqual(self.url_open(f"/saas/signup/verify/{instance.id}?token={token}",
                                       allow_redirects=False).status_code, 404)
        self.assertEqual(self._counts()["databases"], before["databases"])
        again = self._signup(2, "203.0.113.6", subdomain="h7-unverified")
        self.assertEqual(again.status_code, 200, "the subdomain is free again")

    def test_verified_creates_account_then_provisions(self):
        self._signup(3, "203.0.113.8", subdomain="h7-verified")
        instance = self.env["saas.instance"].search([("subdomain", "=", "h7-verified")])
        token = instance.sudo().signup_verify_token
        jobs = self.env["queue.job"].search_count([])
        wrong = self.url_open(f"/saas/signup/verify/{instance.id}?token=nope",
                              allow_redirects=False)
        self.assertEqual(wrong.status_code, 404)
        right = self.url_open(f"/saas/signup/verify/{instance.id}?token={token}",
                              allow_redirects=False)
        self.assertEqual(right.status_code, 303, right.text[:500])
        self.assertTrue(right.headers["Location"].endswith(f"/saas/progress/{instance.id}"))
        instance.invalidate_recordset()
        self.assertEqual(instance.state, "provisioning")
        self.assertEqual(self.env["queue.job"].search_count([]), jobs + 1)
        user = self.env["res.users"].search([("login", "=", "ab3@abuse.test")])
        self.assertTrue(user.has_group("base.group_portal"))
        self.assertEqual(user.partner_id, instance.partner_id)
        self.assertEqual(self.url_open(f"/saas/progress/{instance.id}").status_code, 200,
                         "logged in by the link")
        again = self.url_open(f"/saas/signup/verify/{instance.id}?token={token}",
                              allow_redirects=False)
        self.assertEqual(again.status_code, 404, "a link works once")

    def test_full_server_refuses_at_once(self):
        Server = self.env["saas.server"]
        (Server.search([]) - self.server).write({"state": "down"})
        self.env["saas.instance"]._create_state_machine([{
            "subdomain": "h7-filler", "partner_id": self.env.ref("base.main_partner").id,
            "plan_id": self.plan_small.id, "server_id": self.server.id, "state": "active"}])
        self.server.max_instances = self.server.instance_count
        self.assertEqual(self.server.capacity_free, 0)
        before = self._counts()
        response = self._signup(4, "203.0.113.9", subdomain="h7-full")
        self.assertEqual(response.status_code, 503)
        self.assertIn("our servers are full", response.text)
        self.assertEqual(self._counts(), before, "nothing made")
