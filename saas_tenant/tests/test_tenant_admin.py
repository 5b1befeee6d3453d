import xmlrpc.client

from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, get_db_name, new_test_user, tagged

from odoo.addons.saas_tenant import limits

from .common import master_clear, master_write


@tagged("post_install", "-at_install")
class TestTenantAdmin(HttpCase):
    """The tenant administrator cannot lift what the master decided."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        master_clear(cls.env.cr)
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.password = "tenant_admin_pw1"
        cls.limit = cls.env["res.users"].search_count([("share", "=", False)])
        master_write(cls.env.cr, max_users=cls.limit, suspended="0")
        cls.db = get_db_name()

    def test_no_model_no_field(self):
        env = self.env(user=self.admin)
        self.assertTrue(self.admin.has_group("base.group_system"))
        self.assertFalse(env.su)
        self.assertNotIn("saas_tenant_setting", env)
        IrModel = env["ir.model"]
        for term in ("saas_tenant", "saas.tenant", "tenant_setting", "tenant.setting"):
            self.assertFalse(IrModel.search([("model", "ilike", term)]), term)
        self.assertFalse(env["ir.model.fields"].search([("relation", "ilike", "tenant_setting")]))

    def test_config_parameters_do_nothing(self):
        ICP = self.env["ir.config_parameter"].with_user(self.admin)
        for key in ("suspended", "max_users", "saas_tenant.suspended", "saas_tenant.max_users",
                    "saas_tenant_setting.max_users"):
            ICP.set_param(key, "0")
        self.assertEqual(limits.read_settings(self.env.cr)["max_users"], str(self.limit))
        with self.assertRaisesRegex(ValidationError, "Your plan allows"):
            new_test_user(self.env(user=self.admin), login="one_more", groups="base.group_user")

    def test_xmlrpc_as_admin(self):
        uid = self.xmlrpc_common.authenticate(self.db, "admin", "tenant_admin_pw1", {})
        self.assertEqual(uid, self.admin.id)

        def call(model, method, *args, **kw):
            return self.xmlrpc_object.execute_kw(
                self.db, uid, "tenant_admin_pw1", model, method, list(args), kw)

        with self.assertRaises(xmlrpc.client.Fault):
            call("saas_tenant_setting", "search_read", [])
        with self.assertRaises(xmlrpc.client.Fault):
            call("saas.tenant.setting", "create", {"key": "max_users", "value": "0"})
        self.assertFalse(call("ir.model", "search", [("model", "ilike", "tenant")]))
        call("ir.config_parameter", "set_param", "saas_tenant.max_users", "0")
        with self.assertRaisesRegex(xmlrpc.client.Fault, "Your plan allows"):
            call("res.users", "create", {"name": "One more", "login": "one_more_rpc"})
        self.assertEqual(limits.read_settings(self.env.cr)["max_users"], str(self.limit))

        master_write(self.env.cr, suspended="1")
        with self.assertRaisesRegex(xmlrpc.client.Fault, "suspended"):
            call("ir.config_parameter", "set_param", "saas_tenant.suspended", "0")
        self.assertFalse(self.xmlrpc_common.authenticate(self.db, "admin", "tenant_admin_pw1", {}))
        self.assertTrue(limits.is_suspended(limits.read_settings(self.env.cr)))

    def test_cannot_uninstall(self):
        Module = self.env["ir.module.module"].with_user(self.admin)
        module = Module.search([("name", "=", "saas_tenant")])
        with self.assertRaisesRegex(UserError, "managed by your service provider"):
            module.button_uninstall()
        with self.assertRaises(UserError):
            module.write({"state": "to remove"})
        self.assertEqual(module.state, "installed")
