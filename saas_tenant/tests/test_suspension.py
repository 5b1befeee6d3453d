import json
import re
import xmlrpc.client

from odoo.exceptions import AccessDenied
from odoo.tests import HttpCase, get_db_name, new_test_user, tagged

from .common import master_clear, master_write

SUSPENDED = "This instance is suspended."


@tagged("post_install", "-at_install")
class TestSuspension(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        master_clear(cls.env.cr)
        master_write(
            cls.env.cr,
            suspended_reason="unpaid invoice <INV/1>",
            support_email="billing@example.com",
            master_url="https://saas.example.com/my/saas",
        )
        cls.user = new_test_user(
            cls.env, login="tenant_user", password="tenant_user_pw1", groups="base.group_user"
        )
        cls.db = get_db_name()

    def _suspend(self, on=True):
        master_write(self.env.cr, suspended="1" if on else "0")

    def _authenticate(self, login, password):
        return self.registry["res.users"].authenticate(
            self.db, {"login": login, "password": password, "type": "password"},
            {"interactive": False},
        )

    def _web_login(self, login, password):
        page = self.url_open("/web/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return self.url_open(
            "/web/login",
            data={"login": login, "password": password, "csrf_token": csrf},
            allow_redirects=False,
        )

    # -- logins ----------------------------------------------------------------

    def test_authenticate_refused_then_allowed(self):
        self._suspend()
        with self.assertRaisesRegex(AccessDenied, SUSPENDED):
            self._authenticate("tenant_user", "tenant_user_pw1")
        # a wrong password keeps the generic answer
        with self.assertRaises(AccessDenied) as wrong:
            self._authenticate("tenant_user", "wrong")
        self.assertNotIn("suspended", str(wrong.exception))
        self._suspend(False)
        self.assertEqual(self._authenticate("tenant_user", "tenant_user_pw1")["uid"], self.user.id)

    def test_web_login_form(self):
        self._suspend()
        page = self.url_open("/web/login")
        self.assertEqual(page.status_code, 200)
        self.assertIn(SUSPENDED, page.text)
        res = self._web_login("tenant_user", "tenant_user_pw1")
        self.assertEqual(res.status_code, 200, "login refused: the form is shown again")
        self.assertIn(SUSPENDED, res.text)
        self.assertIn("unpaid invoice &lt;INV/1&gt;", res.text)
        self.assertIn("billing@example.com", res.text)
        self._suspend(False)
        res = self._web_login("tenant_user", "tenant_user_pw1")
        self.assertEqual(res.status_code, 303)
        self.assertTrue(res.headers["Location"].endswith("/odoo"))

    def test_xmlrpc(self):
        key = self.env["res.users.apikeys"].with_user(self.user).sudo()._generate(None, "test", None)
        # accepted first, so that res.users.check() caches the credentials
        uid = self.xmlrpc_common.authenticate(self.db, "tenant_user", "tenant_user_pw1", {})
        self.assertEqual(uid, self.user.id)
        for secret in ("tenant_user_pw1", key):
            self.xmlrpc_object.execute_kw(self.db, uid, secret, "res.users", "read", [[uid], ["login"]])
        self._suspend()
        self.assertFalse(self.xmlrpc_common.authenticate(self.db, "tenant_user", "tenant_user_pw1", {}))
        self.assertFalse(self.xmlrpc_common.login(self.db, "tenant_user", key))
        for secret in ("tenant_user_pw1", key):
            with self.assertRaisesRegex(xmlrpc.client.Fault, SUSPENDED):
                self.xmlrpc_object.execute_kw(
                    self.db, uid, secret, "res.users", "read", [[uid], ["login"]])
        self._suspend(False)
        self.assertEqual(self.xmlrpc_common.login(self.db, "tenant_user", key), uid)
        self.xmlrpc_object.execute_kw(self.db, uid, key, "res.users", "read", [[uid], ["login"]])

    def test_jsonrpc(self):
        def call(service, method, *args):
            payload = {"jsonrpc": "2.0", "method": "call", "id": 1,
                       "params": {"service": service, "method": method, "args": list(args)}}
            res = self.url_open("/jsonrpc", data=json.dumps(payload),
                                headers={"Content-Type": "application/json"})
            return res.json()

        uid = self.user.id
        self.assertIn("result", call("object", "execute_kw", self.db, uid, "tenant_user_pw1",
                                     "res.users", "read", [[uid], ["login"]]))
        self._suspend()
        self.assertFalse(call("common", "login", self.db, "tenant_user", "tenant_user_pw1")["result"])
        res = call("object", "execute_kw", self.db, uid, "tenant_user_pw1",
                   "res.users", "read", [[uid], ["login"]])
        self.assertIn(SUSPENDED, res["error"]["data"]["message"])

    # -- an already open session -------------------------------------------------

    def test_open_session(self):
        self.authenticate("tenant_user", "tenant_user_pw1")
        self.assertEqual(self.url_open("/odoo").status_code, 200)
        self._suspend()
        for path in ("/odoo", "/web", "/odoo/action-base.action_res_users"):
            res = self.url_open(path, allow_redirects=False)
            self.assertEqual(res.status_code, 503, path)
            self.assertIn("This instance is suspended", res.text)
            self.assertIn("unpaid invoice &lt;INV/1&gt;", res.text)
            self.assertIn('href="https://saas.example.com/my/saas"', res.text)
        # JSON routes of the web client answer an error, not data
        res = self.url_open(
            "/web/dataset/call_kw/res.users/read",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
                "model": "res.users", "method": "read", "args": [[self.user.id], ["login"]],
                "kwargs": {}}}),
            headers={"Content-Type": "application/json"},
        ).json()
        self.assertNotIn("result", res)
        self.assertIn(SUSPENDED, res["error"]["data"]["message"])
        # the login page and the assets it needs are still served
        self.assertEqual(self.url_open("/web/login").status_code, 200)
        self._suspend(False)
        self.assertEqual(self.url_open("/odoo").status_code, 200)

    def test_anonymous_pages(self):
        self._suspend()
        res = self.url_open("/odoo", allow_redirects=False)
        # not logged in: sent to the login form, which explains the suspension
        self.assertIn(res.status_code, (303, 503))
        self.assertEqual(self.url_open("/web/health").status_code, 200)
        master_clear(self.env.cr)
        self.assertEqual(self.url_open("/web/health").status_code, 200)
