"""The master's web.base.url is frozen at install: an administrator's login
from another host name (a tenant's, say) does not rewrite it."""

from odoo.tests import TransactionCase, new_test_user, tagged

from ..hooks import post_init_hook


@tagged("post_install", "-at_install")
class TestBaseUrlFrozen(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.params = cls.env["ir.config_parameter"].sudo()
        cls.sysadmin = new_test_user(
            cls.env, login="hA_sysadmin", groups="base.group_user,base.group_system")

    def test_frozen_at_install(self):
        self.assertTrue(self.params.get_param("web.base.url.freeze"))
        self.assertTrue(self.params.get_param("web.base.url"))

    def _login_from(self, base_location):
        # the login opens its own cursor: serve it from the test's
        self.registry.enter_test_mode(self.cr)
        try:
            auth = self.env["res.users"].authenticate(
                self.cr.dbname,
                {"type": "password", "login": "hA_sysadmin", "password": "hA_sysadmin"},
                {"interactive": False, "base_location": base_location},
            )
        finally:
            self.registry.leave_test_mode()
        self.assertEqual(auth["uid"], self.sysadmin.id)
        self.env.invalidate_all()

    def test_admin_login_from_tenant_host(self):
        before = self.params.get_param("web.base.url")
        self._login_from("http://evil.saas.example.com")
        self.assertEqual(self.params.get_param("web.base.url"), before)

    def test_unfrozen_would_follow(self):
        # what the freeze prevents (Odoo's own behaviour)
        self.params.set_param("web.base.url.freeze", False)
        self._login_from("http://evil.saas.example.com")
        self.assertEqual(self.params.get_param("web.base.url"), "http://evil.saas.example.com")

    def test_hook(self):
        self.params.set_param("web.base.url.freeze", False)
        self.params.set_param("web.base.url", "https://master.example.com")
        post_init_hook(self.env)
        self.assertEqual(self.params.get_param("web.base.url.freeze"), "True")
        self.assertEqual(self.params.get_param("web.base.url"), "https://master.example.com")
        # an administrator's own setting is kept
        self.params.set_param("web.base.url.freeze", "1")
        post_init_hook(self.env)
        self.assertEqual(self.params.get_param("web.base.url.freeze"), "1")
