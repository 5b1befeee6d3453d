"""Sign-up abuse: rate limit per address (IPv6 by /64), a global cap per
hour that counts verified sign-ups, pending sign-ups capped per email, email
verification (then a password chosen) before any account or database, a
one-hour hold that frees the name, no takeover by signing up with someone
else's address, and a full server refusing at once."""
import re
import secrets
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessDenied
from odoo.tests import BaseCase, new_test_user, tagged

from odoo.addons.saas_provisioning.tests.common import create_instance

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
        self.assertEqual(signup_rules.PENDING_HOLD_MAX_HOURS, 1)
        for configured in (24, 1, 0, -3):
            with self.subTest(configured=configured):
                # one hour at most, whatever the setting (0 was "never")
                self.assertEqual(signup_rules.hold_hours(configured), 1)
                self.assertFalse(expired(now - timedelta(minutes=59), now, configured))
                self.assertTrue(expired(now - timedelta(minutes=60), now, configured))
                self.assertTrue(expired(now - timedelta(days=999), now, configured))

    def test_pending_refusal(self):
        limit = signup_rules.PENDING_PER_EMAIL
        self.assertIsNone(signup_rules.pending_refusal(limit - 1))
        self.assertEqual(signup_rules.pending_refusal(limit), signup_rules.PENDING_CAP)
        self.assertIsNone(signup_rules.pending_refusal(99, limit=0), "0 = no limit")


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

    def _link(self, instance):
        """The set-password link, as the mail carries it."""
        mail = self.env["mail.mail"].search([("email_to", "ilike", instance.admin_login),
                                             ("body_html", "ilike", f"/verify/{instance.id}?")])
        self.assertEqual(len(mail), 1)
        return re.search(r'href="([^"]*/saas/signup/verify/[^"]+)"', mail.body_html).group(1)

    def test_global_cap_counts_verified_signups(self):
        self.env["ir.config_parameter"].sudo().set_param("saas_portal.signup_global_hourly_cap",
                                                          "3")
        csrf, _token = self._form()
        # one /48 spreads unverified sign-ups over many /64s: they do not use up the cap
        statuses = [self._signup(i, f"2001:db8:48:{i:x}::1", csrf).status_code
                    for i in range(8)]
        self.assertEqual(statuses, [200] * 8)
        made = self.env["saas.instance"].search([("subdomain", "=like", "h7-ab-%")],
                                                order="id")
        self.assertEqual(len(made), 8)
        # three real customers confirm theirs: now the cap is reached
        for instance in made[:3]:
            self.authenticate(None, None)
            self.assertEqual(self._set_password(self._link(instance)).status_code, 303)
        self.authenticate(None, None)
        Attempt = self.env["saas.signup.attempt"]
        self.assertEqual(Attempt.search_count([("kind", "=", "verify")]), 3)
        response = self._signup(9, "198.51.100.99", self._form()[0])
        self.assertEqual(response.status_code, 429)
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
        self.assertFalse(instance.sudo().admin_password_sealed, "nothing sealed")
        self.assertEqual(mail.email_from, self.env.company.email_formatted,
                         "sent by the operator's company, from a public request")
        self.assertEqual(Trigger.search_count([("cron_id", "=", queue.id)]), triggers + 1,
                         "the mail queue is called now, not at its next hourly run")
        # an hour later, unverified: expired, the name is free again (even
        # with the older, longer setting)
        self.env["ir.config_parameter"].sudo().set_param("saas_portal.signup_verify_hours",
                                                          "24")
        self.env.cr.execute("UPDATE saas_instance SET create_date = create_date - "
                            "interval '61 minutes' WHERE id = %s", [instance.id])
        instance.invalidate_recordset()
        self.env["saas.instance"]._cron_expire_unverified_signups()
        self.assertEqual(instance.state, "terminated")
        self.assertFalse(instance.sudo().signup_verify_token)
        self.assertFalse(instance.partner_id.active)
        self.assertEqual(self.url_open(f"/saas/signup/verify/{instance.id}?token={token}",
                                       allow_redirects=False).status_code, 404)
        self.assertEqual(self._counts()["databases"], before["databases"])
        again = self._signup(2, "203.0.113.6", subdomain="h7-unverified")
        self.assertEqual(again.status_code, 200, "the subdomain is free again")

    def test_hold_ends_without_the_cron(self):
        self._signup(5, "203.0.113.10", subdomain="h7-held")
        held = self.env["saas.instance"].search([("subdomain", "=", "h7-held")])
        taken = self._signup(6, "203.0.113.11", subdomain="h7-held")
        self.assertEqual(taken.status_code, 400)
        self.assertIn("already taken", taken.text)
        self.env.cr.execute("UPDATE saas_instance SET create_date = create_date - "
                            "interval '61 minutes' WHERE id = %s", [held.id])
        held.invalidate_recordset()
        check = self.url_open("/saas/signup/check?subdomain=h7-held").json()
        self.assertTrue(check["available"], check)
        self.assertEqual(self._signup(7, "203.0.113.12", subdomain="h7-held").status_code, 200)
        held.invalidate_recordset()
        self.assertEqual(held.state, "terminated")

    def test_pending_capped_per_email(self):
        csrf, _token = self._form()
        limit = signup_rules.PENDING_PER_EMAIL
        statuses = [self._signup(20 + i, f"203.0.113.{20 + i}", csrf,
                                 email="Same@Abuse.test" if i % 2 else "same@abuse.test"
                                 ).status_code for i in range(limit + 2)]
        self.assertEqual(statuses, [200] * limit + [429] * 2)
        refused = self._signup(40, "203.0.113.40", csrf, email="SAME@abuse.test")
        self.assertIn("already wait for confirmation", refused.text)
        self.assertEqual(self.env["saas.instance"].search_count(
            [("admin_login", "=ilike", "same@abuse.test")]), limit)
        self.assertEqual(self.env["mail.mail"].search_count(
            [("email_to", "ilike", "same@abuse.test")]), limit, "no more mails to that address")
        # another address is not concerned
        self.assertEqual(self._signup(41, "203.0.113.41", csrf).status_code, 200)

    def test_second_person_gains_nothing(self):
        """Mallory signs up with Victor's address: Victor's account, password
        and tenants stay his; Mallory cannot log in, and no tenant is made."""
        victor = new_test_user(self.env, login="victor@abuse.test", password="victor-pass-123",
                               groups="base.group_portal", email="victor@abuse.test")
        credential = {"type": "password", "login": "victor@abuse.test",
                      "password": "victor-pass-123"}

        def victor_password_unchanged():
            self.env.invalidate_all()
            victor.with_user(victor)._check_credentials(credential, {"interactive": False})

        before = self._counts()
        # 1. an address that has an account: refused at once, nothing made
        response = self._signup(30, "198.51.100.30", email="Victor@Abuse.test",
                                subdomain="h7-mallory")
        self.assertEqual(response.status_code, 400)
        self.assertIn("already uses this email", response.text)
        self.assertEqual(self._counts(), before)
        victor_password_unchanged()
        # 2. an address whose owner makes an account after Mallory's sign-up
        #    (Wendy has none yet): Mallory is left with nothing
        response = self._signup(31, "198.51.100.31", email="wendy@abuse.test",
                                subdomain="h7-mallory2")
        self.assertEqual(response.status_code, 200)
        pending = self.env["saas.instance"].search([("subdomain", "=", "h7-mallory2")])
        self.assertEqual(self.url_open("/my/home", allow_redirects=False).status_code, 303,
                         "Mallory is not logged in")
        guessed = self.url_open(f"/saas/signup/verify/{pending.id}?token=guess",
                                allow_redirects=False)
        self.assertEqual(guessed.status_code, 404, "no link without Wendy's mailbox")
        csrf = self._form()[0]
        forged = self.url_open(f"/saas/signup/verify/{pending.id}", data={
            "csrf_token": csrf, "token": "guess", "password": "mallory-pass-1",
            "confirm_password": "mallory-pass-1"}, allow_redirects=False)
        self.assertEqual(forged.status_code, 404)
        self.assertFalse(self.env["res.users"].search([("login", "=ilike", "wendy@abuse.test")]))
        wendy = new_test_user(self.env, login="wendy@abuse.test", password="wendy-pass-123",
                              groups="base.group_portal", email="wendy@abuse.test")
        # Wendy follows the mail's link: it hands over nothing, leads to log in or reset
        link = self._link(pending)
        page = self.url_open(link)
        self.assertEqual(page.status_code, 200)
        self.assertIn("already uses this email", page.text)
        self.assertIn("/web/reset_password?login=wendy%40abuse.test", page.text)
        self.assertNotIn('name="password"', page.text, "no password to set here")
        token = re.search(r"token=([\w-]+)", link).group(1)
        sent = self.url_open(f"/saas/signup/verify/{pending.id}", data={
            "csrf_token": self._form()[0], "token": token,
            "password": "mallory-pass-1", "confirm_password": "mallory-pass-1"},
            allow_redirects=False)
        self.assertEqual(sent.status_code, 409)
        self.env.invalidate_all()
        wendy.with_user(wendy)._check_credentials(
            {"type": "password", "login": "wendy@abuse.test", "password": "wendy-pass-123"},
            {"interactive": False})
        with self.assertRaises(AccessDenied):
            wendy.with_user(wendy)._check_credentials(
                {"type": "password", "login": "wendy@abuse.test", "password": "mallory-pass-1"},
                {"interactive": False})
        self.assertEqual(self.url_open("/my/home", allow_redirects=False).status_code, 303,
                         "nobody is logged in by the link")
        self.assertEqual((pending.state, pending.signup_verified), ("draft", False))
        self.assertFalse(pending.server_id, "no tenant for Mallory")
        self.assertEqual(self.env["saas.instance"].search_count(
            [("partner_id", "in", (victor.partner_id | wendy.partner_id).ids)]), 0)
        victor_password_unchanged()

    def test_verified_creates_account_then_provisions(self):
        self._signup(3, "203.0.113.8", subdomain="h7-verified")
        instance = self.env["saas.instance"].search([("subdomain", "=", "h7-verified")])
        token = instance.sudo().signup_verify_token
        jobs = self.env["queue.job"].search_count([])
        wrong = self.url_open(f"/saas/signup/verify/{instance.id}?token=nope",
                              allow_redirects=False)
        self.assertEqual(wrong.status_code, 404)
        link = self._link(instance)
        self.assertIn(f"?token={token}", link)
        # opening the link (a mail scanner does too) changes nothing
        page = self.url_open(link, allow_redirects=False)
        self.assertEqual(page.status_code, 200)
        self.assertIn('name="confirm_password"', page.text)
        self.assertIn("ab3@abuse.test", page.text, "the login, read-only")
        self.assertFalse(self.env["res.users"].search([("login", "=", "ab3@abuse.test")]))
        self.assertEqual(self.env["queue.job"].search_count([]), jobs)
        right = self._set_password(link)
        self.assertEqual(right.status_code, 303, right.text[:500])
        self.assertTrue(right.headers["Location"].endswith(f"/saas/progress/{instance.id}"))
        instance.invalidate_recordset()
        self.assertEqual(instance.state, "provisioning")
        self.assertEqual(self.env["queue.job"].search_count([]), jobs + 1)
        user = self.env["res.users"].search([("login", "=", "ab3@abuse.test")])
        self.assertTrue(user.has_group("base.group_portal"))
        self.assertEqual(user.partner_id, instance.partner_id)
        user.with_user(user)._check_credentials(
            {"type": "password", "login": "ab3@abuse.test", "password": PASSWORD},
            {"interactive": False})
        self.assertEqual(self.url_open(f"/saas/progress/{instance.id}").status_code, 200,
                         "logged in by the link")
        again = self.url_open(f"/saas/signup/verify/{instance.id}?token={token}",
                              allow_redirects=False)
        self.assertEqual(again.status_code, 404, "a link works once")

    def test_full_server_refuses_at_once(self):
        Server = self.env["saas.server"]
        (Server.search([]) - self.server).write({"state": "down"})
        create_instance(self.env, "h7-filler", self.env.ref("base.main_partner"),
                        self.plan_small, name=False, server_id=self.server.id, state="active")
        self.server.max_instances = self.server.instance_count
        self.assertEqual(self.server.capacity_free, 0)
        before = self._counts()
        response = self._signup(4, "203.0.113.9", subdomain="h7-full")
        self.assertEqual(response.status_code, 503)
        self.assertIn("our servers are full", response.text)
        self.assertEqual(self._counts(), before, "nothing made")
