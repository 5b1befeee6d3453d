from odoo.tests import TransactionCase, tagged

from .common import master_clear, master_write


@tagged("post_install", "-at_install")
class TestOfferedApps(TransactionCase):
    """The Apps menu lists only what the service provider offers; the wall
    (refusing the install where Odoo loads modules) is saas_router's, tested
    end to end in tests/test_e2e_isolation.py."""

    def setUp(self):
        super().setUp()
        master_clear(self.env.cr)
        self.Apps = self.env["ir.module.module"].with_context(saas_offered_only=1)

    def _offered(self, names):
        return set(self.Apps.search([("name", "in", names)]).mapped("name"))

    def test_default_offers_odoo_addons_not_the_masters(self):
        names = ["crm", "sale_management", "saas_provisioning", "saas_base", "queue_job"]
        present = set(self.env["ir.module.module"].search([("name", "in", names)])
                      .mapped("name"))
        self.assertIn("saas_base", present, "the master's addons are on the addons path")
        self.assertEqual(self._offered(names), {"crm", "sale_management"} & present)
        # installed modules are always listed
        self.assertEqual(self._offered(["saas_tenant", "web"]), {"saas_tenant", "web"})

    def test_allow_list_set_by_the_master(self):
        master_write(self.env.cr, allowed_modules="crm")
        self.assertEqual(self._offered(["crm", "sale_management", "saas_base"]), {"crm"})
        # without the menu's context, the model is not filtered
        self.assertTrue(self.env["ir.module.module"].search([("name", "=", "saas_base")]))
