from odoo.tests import TransactionCase, tagged

from odoo.addons.saas_tenant import limits

from .common import master_clear, master_write


@tagged("post_install", "-at_install")
class TestLimits(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        master_clear(cls.env.cr)

    def test_table_exists_and_is_not_a_model(self):
        self.env.cr.execute("SELECT to_regclass('saas_control.tenant_setting')")
        self.assertTrue(self.env.cr.fetchone()[0])
        self.assertNotIn("saas_tenant_setting", self.env)
        # ensure_table is idempotent (the master may have created it first)
        limits.ensure_table(self.env.cr)

    def test_read_settings(self):
        self.assertEqual(limits.read_settings(self.env.cr), {})
        master_write(self.env.cr, suspended="1", max_users="3", support_email="a@b.c")
        settings = limits.read_settings(self.env.cr)
        self.assertEqual(settings, {"suspended": "1", "max_users": "3", "support_email": "a@b.c"})
        self.assertTrue(limits.is_suspended(settings))
        self.assertEqual(limits.max_users(settings), 3)
        master_write(self.env.cr, suspended="0", max_users="oops")
        settings = limits.read_settings(self.env.cr)
        self.assertFalse(limits.is_suspended(settings))
        # a malformed limit must not lock the tenant out
        self.assertEqual(limits.max_users(settings), 0)

    def test_messages_escape_master_values(self):
        settings = {
            "suspended": "1",
            "suspended_reason": "<script>alert(1)</script>",
            "support_email": "help@example.com",
            "master_url": "javascript:alert(1)",
        }
        message = limits.suspended_message(settings)
        self.assertTrue(message.startswith("This instance is suspended."))
        self.assertIn("help@example.com", message)
        page = limits.suspended_page(settings)
        self.assertNotIn("<script>", page)
        self.assertIn("&lt;script&gt;", page)
        self.assertNotIn('href="javascript:', page)
        page = limits.suspended_page({"master_url": "https://saas.example.com/my"})
        self.assertIn('href="https://saas.example.com/my"', page)
