"""Who may open a tenant, and how: the Open button posts (CSRF) to the
master, whose page posts the single-use token to the real tenant; the token
is never in a URL nor in an access-log line."""
import logging
import re
from unittest.mock import patch
from urllib.parse import urlparse

import requests

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.saas_portal.tests.browser import (BrowserMixin, ScreenshotBrowser,
                                                   require_browser)
from odoo.addons.saas_portal.tests.common import PASSWORD, SaasPortalCase
from odoo.addons.saas_provisioning.tests.common import create_customer, create_instance, provision

FORM_RE = re.compile(r'<form method="post" action="([^"]+)"><input type="hidden" '
                     r'name="token" value="([^"]+)"')
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@tagged("post_install", "-at_install")
class TestOpen(BrowserMixin, SaasPortalCase):
    real_template = True

    @classmethod
    def setUpClass(cls):
        require_browser()
        super().setUpClass()
        cls.owner, cls.partner = create_customer(cls.env, "h7-open-owner", "Open Co")
        # a colleague of the owner's, given portal access to pay invoices
        cls.accountant = new_test_user(cls.env, login="h7-open-books",
                                       password="h7-open-books-pass",
                                       groups="base.group_portal")
        cls.accountant.partner_id.parent_id = cls.partner
        cls.manager = new_test_user(cls.env, login="h7-open-support",
                                    password="h7-open-support-pass", name="Sue Support",
                                    groups="base.group_user,saas_base.group_saas_manager")
        cls.instance = create_instance(cls.env, "h7-open", cls.partner, cls.plan_small,
                                       name="Open Co", server_id=cls.server.id)
        provision(cls.instance, PASSWORD)

    @classmethod
    def tearDownClass(cls):
        dbname = cls.instance.database_name
        cls.pg.drop(dbname)
        cls.pg.drop_role(dbname)
        cls.server._filestore().remove(dbname)
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.minted = []
        Key = type(self.env["saas.sso.key"])
        original = Key._sign

        def counting_sign(key_self, audience, subject):
            self.minted.append(subject)
            return original(key_self, audience, subject)

        patcher = patch.object(Key, "_sign", counting_sign)
        patcher.start()
        self.addCleanup(patcher.stop)

    def _detail(self):
        page = self.url_open(f"/my/saas/{self.instance.id}")
        self.assertEqual(page.status_code, 200)
        # a visitor without any form on the page takes the token of another page
        csrf = CSRF_RE.search(page.text) or CSRF_RE.search(self.url_open("/saas/signup").text)
        return page.text, csrf.group(1)

    def _press_open(self, csrf, **extra):
        return self.url_open(f"/my/saas/{self.instance.id}/open",
                             data=dict(extra, csrf_token=csrf), allow_redirects=False)

    def _tenant_post(self, action, token):
        session = requests.Session()
        response = session.post(self.base_url() + urlparse(action).path, data={"token": token},
                                headers={"Host": self.instance._host()},
                                allow_redirects=False, timeout=60)
        return session, response

    def test_owner_full_sign_on_no_token_in_logs(self):
        self.authenticate("h7-open-owner", "h7-open-owner-pass-123")
        with self.assertLogs(level=logging.INFO) as logs:
            text, csrf = self._detail()
            self.assertIn('class="d-flex gap-2 align-items-center o_saas_open_form"', text)
            page = self._press_open(csrf)
            self.assertEqual(page.status_code, 200, page.text[:300])
            self.assertEqual(page.headers["Cache-Control"], "no-store")
            self.assertEqual(page.headers["Referrer-Policy"], "no-referrer")
            action, token = FORM_RE.search(page.text).groups()
            self.assertEqual(action, f"{self.instance.url}/saas_sso/login")
            session, response = self._tenant_post(action, token)
            self.assertEqual(response.status_code, 303, response.text[:300])
            self.assertNotIn(token, response.headers["Location"])
            backend = session.get(self.base_url() + "/odoo", headers={
                "Host": self.instance._host()}, allow_redirects=False, timeout=60)
            self.assertEqual(backend.status_code, 200, "signed in to the tenant")
            info = session.post(self.base_url() + "/web/session/get_session_info",
                                json={"params": {}}, headers={"Host": self.instance._host()},
                                timeout=60).json()["result"]
            self.assertEqual(info["username"], self.owner.email)
            self.assertEqual(info["db"], self.instance.database_name)
        self.assertEqual(self.minted, [self.owner.email])
        access_lines = [line for line in logs.output if "werkzeug" in line]
        self.assertTrue(any("POST /saas_sso/login" in line for line in access_lines),
                        "the tenant's access-log line was captured")
        self.assertTrue(any(f"POST /my/saas/{self.instance.id}/open" in line
                            for line in access_lines))
        signature = token.rsplit(".", 1)[-1]
        for line in logs.output:
            self.assertNotIn(signature, line)
        self.assertFalse(self.instance.support_login_ids, "a customer is no support login")

    def test_colleague_cannot_open(self):
        self.authenticate("h7-open-books", "h7-open-books-pass")
        text, csrf = self._detail()
        self.assertIn("o_saas_no_open", text, "sees the instance, without an Open button")
        self.assertNotIn("o_saas_open_form", text)
        response = self._press_open(csrf)
        self.assertEqual(response.status_code, 403)
        self.assertNotIn('name="token"', response.text)
        self.assertEqual(self.minted, [], "no token minted")
        # nor may they grant themselves access
        response = self.url_open(f"/my/saas/{self.instance.id}/access", data={
            "csrf_token": csrf, "partner_id": str(self.accountant.partner_id.id),
            "tenant_login": self.owner.email}, allow_redirects=False)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.instance.access_ids)
        # the owner allows them, from the portal
        self.authenticate("h7-open-owner", "h7-open-owner-pass-123")
        text, csrf = self._detail()
        self.assertIn("o_saas_access_add", text)
        self.assertIn(f'value="{self.accountant.partner_id.id}"', text)
        response = self.url_open(f"/my/saas/{self.instance.id}/access", data={
            "csrf_token": csrf, "partner_id": str(self.accountant.partner_id.id),
            "tenant_login": self.owner.email}, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.instance.access_ids.partner_id, self.accountant.partner_id)
        self.authenticate("h7-open-books", "h7-open-books-pass")
        text, csrf = self._detail()
        self.assertIn("o_saas_open_form", text)
        self.assertIn(self.accountant.name, text.split('id="access"')[1], "in the access list")
        self.assertEqual(self._press_open(csrf).status_code, 200)
        self.assertEqual(self.minted, [self.owner.email])

    def test_cross_site_requests_do_nothing(self):
        self.authenticate("h7-open-owner", "h7-open-owner-pass-123")
        messages = len(self.instance.message_ids)
        # a link on another site: a GET
        get = self.url_open(f"/my/saas/{self.instance.id}/open", allow_redirects=False)
        self.assertEqual(get.status_code, 405)
        # a form on another site: a POST without our CSRF token
        post = self.url_open(f"/my/saas/{self.instance.id}/open", data={"reason": "x"},
                             headers={"Origin": "https://evil.example"}, allow_redirects=False)
        self.assertEqual(post.status_code, 400)
        self.assertNotIn('name="token"', get.text + post.text)
        self.assertEqual(self.minted, [])
        self.instance.invalidate_recordset()
        self.assertEqual(len(self.instance.message_ids), messages)

    def test_support_gives_a_reason(self):
        self.authenticate("h7-open-support", "h7-open-support-pass")
        text, csrf = self._detail()
        self.assertIn('name="reason"', text)
        refused = self._press_open(csrf, reason="  ")
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(self.minted, [])
        page = self._press_open(csrf, reason="Ticket 99: cannot post invoices")
        self.assertEqual(page.status_code, 200)
        log = self.instance.support_login_ids
        self.assertEqual(len(log), 1)
        self.assertEqual((log.user_id, log.tenant_login, log.reason),
                         (self.manager, self.owner.email, "Ticket 99: cannot post invoices"))
        self.assertIn("Support login by Sue Support", self.instance.message_ids[:1].body)

    def test_trusted_contacts_are_who_may_open(self):
        """saas_portal's door (who is shown the instance's secrets, asked by
        saas_backup and saas_dns): the owner, and the contacts the owner
        allows to open the instance, as long as they are allowed."""
        instance = self.instance
        self.assertEqual(instance.trusted_partner_ids, self.partner)
        self.assertFalse(instance.with_user(self.accountant)._portal_is_trusted())
        line = instance.with_user(self.owner)._sso_set_access(self.accountant.partner_id,
                                                              "books")
        self.assertEqual(instance.trusted_partner_ids,
                         self.partner | self.accountant.partner_id)
        self.assertTrue(instance.with_user(self.accountant)._portal_is_trusted())
        instance.with_user(self.owner)._sso_remove_access(line)
        self.assertEqual(instance.trusted_partner_ids, self.partner)
        self.assertFalse(instance.with_user(self.accountant)._portal_is_trusted())
        self.assertTrue(instance.with_user(self.manager)._portal_is_trusted(), "support")

    def test_progress_page_and_open_button_sign_in(self):
        """In chromium: the progress page of a ready instance opens it at
        once (its form posts to /my/saas/<id>/open, whose page posts the
        token to the tenant), and so does the Open button of /my/saas/<id>:
        the tenant's backend, signed in as the customer, in its own database."""
        login = self.owner.login
        ScreenshotBrowser.taken = []
        tenant_shown = """(() => location.host.startsWith('h7-open.')
            && !!document.querySelector('.o_main_navbar'))()"""
        # "ready" presses the button (in this tab) once, then waits for the
        # tenant's backend, where the check runs
        press_open = """(() => {
            if (location.host.startsWith('h7-open.')) {
                return !!document.querySelector('.o_main_navbar');
            }
            const form = document.querySelector('form.o_saas_open_form');
            if (form && document.readyState === 'complete' && !window.saasOpenPressed) {
                window.saasOpenPressed = true;
                form.removeAttribute('target');
                // after this evaluation has returned: the page then navigates
                setTimeout(() => form.querySelector('button.o_saas_open').click(), 50);
            }
            return false;
        })()"""
        tenant_check = f"""
            (async () => {{
                for (let i = 0; i < 200; i++) {{
                    if (document.querySelector('.o_main_navbar')
                        && location.host.startsWith('h7-open.')) break;
                    await new Promise(r => setTimeout(r, 100));
                }}
                const response = await fetch('/web/session/get_session_info', {{
                    method: 'POST', headers: {{'Content-Type': 'application/json'}},
                    body: JSON.stringify({{jsonrpc: '2.0', method: 'call', params: {{}}}})}});
                const info = (await response.json()).result || {{}};
                if (!document.querySelector('.o_main_navbar')) {{
                    console.error('saas_sso: no backend navbar on ' + location.href);
                }} else if (info.db !== '{self.instance.database_name}' || !info.uid
                           || info.username !== '{self.owner.email}') {{
                    console.error('saas_sso: not logged in as the customer: ' + JSON.stringify(
                        {{db: info.db, username: info.username, uid: info.uid}}));
                }} else {{
                    console.log('saas_screenshot:07_tenant_backend');
                    await new Promise(r => setTimeout(r, 800));
                    console.log('test successful');
                }}
            }})()
        """
        with self._browser():
            self.browser_js(f"/saas/progress/{self.instance.id}", tenant_check,
                            ready=tenant_shown, login=login, timeout=120,
                            error_checker=lambda message: "saas_sso" in message)
        self.assertEqual(ScreenshotBrowser.taken.count("07_tenant_backend"), 1,
                         "the progress page did not open the tenant's backend signed in")
        with self._browser():
            self.browser_js(f"/my/saas/{self.instance.id}", tenant_check, ready=press_open,
                            login=login, timeout=120,
                            error_checker=lambda message: "saas_sso" in message)
        self.assertEqual(ScreenshotBrowser.taken.count("07_tenant_backend"), 2,
                         "the Open button did not open the tenant's backend signed in")
        self.assertEqual(self.minted, [self.owner.email] * 2)


@tagged("post_install", "-at_install")
class TestOpenOtherCustomer(SaasPortalCase):
    """Customer A, logged in, against customer B's instances: no Open, no token."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._two_customers()

    def test_own_instance_has_open(self):
        self.authenticate("h7-cust-a", "h7-cust-a-pass-123")
        detail = self.url_open(f"/my/saas/{self.inst_a.id}")
        self.assertIn(f"/my/saas/{self.inst_a.id}/open", detail.text)
        self.assertIn('id="access"', detail.text)
        # suspended: no Open button, and the route refuses
        self.inst_a._write_state_machine({"state": "suspended"})
        detail = self.url_open(f"/my/saas/{self.inst_a.id}")
        self.assertIn("o_saas_suspended_banner", detail.text)
        self.assertNotIn("o_saas_open", detail.text, "no Open button while suspended")
        self.assertEqual(self.url_open(f"/my/saas/{self.inst_a.id}/open", data={
            "csrf_token": self._csrf()}, allow_redirects=False).status_code, 404)

    def test_other_customer_gets_no_token(self):
        self.authenticate("h7-cust-a", "h7-cust-a-pass-123")
        for instance in (self.inst_b, self.inst_b2):
            bid = instance.id
            # /open answers GET with 405 whoever asks
            self._assert_nothing_of_b((f"/my/saas/{bid}/open",))
            response = self.url_open(f"/my/saas/{bid}/open", data={"csrf_token": self._csrf()},
                                     allow_redirects=False)
            self.assertEqual(response.status_code, 404)
            self.assertNotIn("token", response.text)
            response = self.url_open(f"/my/saas/{bid}/access", data={
                "csrf_token": self._csrf(), "partner_id": str(self.partner_a.id),
                "tenant_login": "x"}, allow_redirects=False)
            self.assertEqual(response.status_code, 404)
            self.assertFalse(instance.access_ids)
        for args in ([[self.inst_b.id]], [[self.inst_a.id]]):
            with self.assertRaises(Exception):
                self._rpc("saas.instance", "_sso_login_form", args)
        with self.assertRaises(AccessError):
            self.inst_b.with_user(self.user_a)._sso_login_form()
        self.assertTrue(self.inst_a.with_user(self.user_a)._sso_login_form()["token"])
