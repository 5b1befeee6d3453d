import json
import re
import time
import uuid
from urllib.parse import urlparse

import jwt
import requests

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.addons.saas_provisioning.tests.common import (
    create_instance,
    create_plan,
    create_test_server,
    provision,
    ready_template,
)

PASSWORD = "S3cret-h6-tenant-pass"


@tagged("post_install", "-at_install")
class TestSsoTenant(HttpCase):
    """End to end: a real tenant (template with saas_tenant, provisioned by
    the pipeline, served by this test server by host name) accepts the
    master's token once and opens a session; keys rotate without breaking it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("saas_sso.issuer",
                                                         "https://master.h6.example.com")
        cls.server = create_test_server(cls.env, name="h6 PostgreSQL")
        cls.template = ready_template(cls.env, cls.server)
        cls.plan = create_plan(cls.env, cls.template, name="h6 SSO plan", max_users=5)
        cls.customer = cls.env["res.partner"].create(
            {"name": "H6 SSO Customer", "is_company": True, "email": "owner@h6sso.test"})
        cls.portal_user = new_test_user(cls.env, login="h6_sso_portal",
                                        groups="base.group_portal")
        cls.portal_user.partner_id.parent_id = cls.customer
        cls.pg = cls.server._pg_admin()
        cls.instance = create_instance(cls.env, "h6-sso", cls.customer, cls.plan,
                                       name="H6 SSO Co", server_id=cls.server.id)
        provision(cls.instance, PASSWORD)
        cls.env["saas.instance.access"].create({
            "instance_id": cls.instance.id, "partner_id": cls.portal_user.partner_id.id,
            "tenant_login": cls.instance.admin_login})

    @classmethod
    def tearDownClass(cls):
        # (the shared template stays for the next classes; see common.py)
        cls.pg.drop(cls.instance.database_name)
        cls.server._filestore().remove(cls.instance.database_name)
        super().tearDownClass()

    def _open(self, form, session=None):
        """POST the form to the tenant through this server, with the tenant's Host."""
        path = urlparse(form["action"]).path
        session = session or requests.Session()
        response = session.post(
            f"{self.base_url()}{path}", data={"token": form["token"]},
            headers={"Host": self.instance._host()}, allow_redirects=False, timeout=30)
        return session, response

    def _session_info(self, session):
        response = session.post(
            self.base_url() + "/web/session/get_session_info", json={"params": {}},
            headers={"Host": self.instance._host()}, timeout=30)
        return response.json().get("result") or {}

    def _form(self):
        return self.instance.with_user(self.portal_user)._sso_login_form()

    def test_login_once_and_rotation(self):
        settings = self.instance._tenant_db().read_settings()
        self.assertEqual(json.loads(settings["sso_public_keys"]),
                         self.env["saas.sso.key"]._public_keys(), "written at provisioning")
        form = self._form()
        session, response = self._open(form)
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertTrue(response.headers["Location"].endswith("/odoo"))
        info = self._session_info(session)
        self.assertEqual(info.get("username"), "owner@h6sso.test")
        self.assertTrue(info.get("uid"))
        # the same URL again: refused, no session
        replay, response = self._open(form)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self._session_info(replay).get("uid"))

        # rotation: a token signed just before still works, new ones too
        Key = self.env["saas.sso.key"]
        old = Key._signing_key()
        form_before = self._form()
        old.action_rotate()
        self.assertNotEqual(Key._signing_key(), old)
        self.assertEqual(self._open(form_before)[1].status_code, 303)
        self.assertEqual(self._open(self._form())[1].status_code, 303)
        # retired: the tenant no longer trusts the old key
        old_token = self._sign_with(old)
        self.assertEqual(self._open(self._form_for(old_token))[1].status_code, 303,
                         "still trusted while retiring")
        old.action_retire()
        self.assertNotIn(old.kid, json.loads(
            self.instance._tenant_db().read_settings()["sso_public_keys"]))
        self.assertEqual(self._open(self._form_for(self._sign_with(old)))[1].status_code, 403)
        self.assertEqual(self._open(self._form())[1].status_code, 303)

    def _sign_with(self, key):
        """A token as the master would sign it, but with ``key``."""
        now = int(time.time())
        claims = {"iss": self.env["saas.sso.key"]._issuer(), "aud": self.instance.database_name,
                  "sub": self.instance.admin_login, "iat": now, "exp": now + 30,
                  "jti": uuid.uuid4().hex}
        return jwt.encode(claims, key.sudo().private_key, algorithm="RS256",
                          headers={"kid": key.kid})

    def _form_for(self, token):
        return {"action": f"{self.instance.url}/saas_sso/login", "token": token}

    def test_backend_support_login(self):
        """The manager's button: a reason first, then a one-shot page that
        posts the token to the tenant; recorded on the instance."""
        manager = new_test_user(self.env, login="h6_sso_manager", password="h6-sso-manager-pw",
                                groups="base.group_user,saas_base.group_saas_manager")
        wizard = self.env["saas.sso.support.wizard"].with_user(manager).create({
            "instance_id": self.instance.id, "tenant_login": self.instance.admin_login,
            "reason": "ticket 7: cannot print"})
        action = wizard.action_open()
        self.assertNotIn("token", action["url"])
        # another manager cannot use that ticket
        other = new_test_user(self.env, login="h6_sso_manager2", password="h6-sso-manager2-pw",
                              groups="base.group_user,saas_base.group_saas_manager")
        self.authenticate(other.login, "h6-sso-manager2-pw")
        self.assertEqual(self.url_open(action["url"]).status_code, 404)
        self.authenticate(manager.login, "h6-sso-manager-pw")
        page = self.url_open(action["url"])
        self.assertEqual(page.status_code, 200, page.text[:300])
        self.assertEqual(page.headers["Cache-Control"], "no-store")
        self.assertIn(f'method="post" action="{self.instance.url}/saas_sso/login"', page.text)
        token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
        self.assertEqual(self.url_open(action["url"]).status_code, 404, "used once")
        session, response = self._open(self._form_for(token))
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self._session_info(session).get("username"), self.instance.admin_login)
        log = self.instance.support_login_ids
        self.assertEqual((log.user_id, log.reason), (manager, "ticket 7: cannot print"))
