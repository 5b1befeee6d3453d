"""The tokens' issuer is fixed at install (saas_sso.issuer): it does not
follow later changes of the master's web.base.url."""

from odoo.tests import TransactionCase, tagged

from ..hooks import set_issuer


@tagged("post_install", "-at_install")
class TestIssuer(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.params = cls.env["ir.config_parameter"].sudo()
        cls.Key = cls.env["saas.sso.key"]

    def test_set_at_install(self):
        self.assertTrue(self.params.get_param("saas_sso.issuer"))

    def test_hook_sets_current_base_url(self):
        self.params.set_param("saas_sso.issuer", False)
        self.params.set_param("web.base.url", "https://master.example.com")
        set_issuer(self.env)
        self.assertEqual(self.params.get_param("saas_sso.issuer"), "https://master.example.com")
        # web.base.url changes later (an admin, a login from another host
        # before the freeze...): the issuer stays
        self.params.set_param("web.base.url", "http://acme.saas.example.com")
        self.assertEqual(self.Key._issuer(), "https://master.example.com")
        self.assertEqual(self.Key._tenant_settings()["sso_issuer"], "https://master.example.com")

    def test_hook_keeps_configured_issuer(self):
        self.params.set_param("saas_sso.issuer", "https://sso.example.com")
        self.params.set_param("web.base.url", "https://master.example.com")
        set_issuer(self.env)
        self.assertEqual(self.params.get_param("saas_sso.issuer"), "https://sso.example.com")
