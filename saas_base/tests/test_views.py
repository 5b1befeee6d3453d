"""The views load for the people who use them (fields, groups, actions)."""

from odoo.tests import tagged

from .common import SaasCase


@tagged("post_install", "-at_install")
class TestViews(SaasCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._users()

    def test_views_load(self):
        views = {
            "saas.instance": ["kanban", "list", "form", "search", "activity"],
            "saas.plan": ["list", "form", "search"],
            "saas.template": ["list", "form", "search"],
            "saas.server": ["list", "form", "search"],
        }
        for user in (self.saas_user, self.saas_manager, self.env.ref("base.user_admin")):
            for model, types in views.items():
                with self.subTest(user=user.login, model=model):
                    result = self.env[model].with_user(user).get_views(
                        [(False, view_type) for view_type in types]
                    )
                    self.assertEqual(set(result["views"]), set(types))
        # fields for system administrators only disappear for the others
        hidden = {
            "saas.server": ["host", "port", "db_user", "db_password", "filestore_root"],
            "saas.template": ["database_name"],
        }
        admin = self.env.ref("base.user_admin")
        for model, fnames in hidden.items():
            for user in (self.saas_user, self.saas_manager, admin):
                result = self.env[model].with_user(user).get_views(
                    [(False, "list"), (False, "form"), (False, "search")])
                for view_type, view in result["views"].items():
                    for fname in fnames:
                        with self.subTest(user=user.login, model=model, view=view_type,
                                          field=fname):
                            shown = f'name="{fname}"' in view["arch"]
                            if user == admin:
                                if view_type == "form":
                                    self.assertTrue(shown)
                            else:
                                self.assertFalse(shown)
                                self.assertNotIn(fname, result["models"][model]["fields"])

    def test_settings_view(self):
        admin = self.env.ref("base.user_admin")
        arch = self.env["res.config.settings"].with_user(admin).get_views([(False, "form")])
        self.assertIn("saas_base_domain", arch["views"]["form"]["arch"])

    def test_menus(self):
        menus = self.env["ir.ui.menu"].with_user(self.saas_user)._visible_menu_ids()
        self.assertIn(self.env.ref("saas_base.menu_saas_instances").id, menus)
        self.assertNotIn(self.env.ref("saas_base.menu_saas_settings").id, menus)
        internal = self.env["ir.ui.menu"].with_user(self.internal_user)._visible_menu_ids()
        self.assertNotIn(self.env.ref("saas_base.menu_saas_root").id, internal)
