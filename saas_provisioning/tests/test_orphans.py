"""Orphan databases: system administrators only, and action_drop checks each
name again right before dropping (records only: PgAdmin and the filestore
are replaced by mocks, nothing is built or dropped for real)."""

from unittest.mock import MagicMock, patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.saas_router.routing import tenant_db_prefix

from .common import create_instance, create_template, create_test_server


@tagged("post_install", "-at_install")
class TestOrphans(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = create_test_server(cls.env, name="hA orphans")
        cls.sysadmin = new_test_user(
            cls.env, login="hA_orphan_admin",
            groups="base.group_user,base.group_system,saas_base.group_saas_manager")
        cls.manager = new_test_user(
            cls.env, login="hA_orphan_manager",
            groups="base.group_user,saas_base.group_saas_manager")
        cls.Orphan = cls.env["saas.orphan.database"]
        cls.prefix = tenant_db_prefix()

    def setUp(self):
        super().setUp()
        self.pg = MagicMock()
        self.files = MagicMock()
        Server = type(self.server)
        for name, mock in (("_pg_admin", self.pg), ("_filestore", self.files)):
            patcher = patch.object(Server, name, lambda self, _m=mock: _m)
            patcher.start()
            self.addCleanup(patcher.stop)

    def _orphan(self, name):
        return self.Orphan.create({"server_id": self.server.id, "name": name})

    def _assert_refused(self, orphan, reason):
        with self.assertRaisesRegex(UserError, reason):
            orphan.with_user(self.sysadmin).action_drop()
        self.pg.drop.assert_not_called()
        self.files.remove.assert_not_called()
        self.assertTrue(orphan.exists())

    def test_drop(self):
        orphan = self._orphan(f"{self.prefix}hA_gone")
        orphan.with_user(self.sysadmin).action_drop()
        self.pg.drop.assert_called_once_with(f"{self.prefix}hA_gone")
        self.files.remove.assert_called_once_with(f"{self.prefix}hA_gone")
        self.assertFalse(orphan.exists())

    def test_refuse_without_prefix(self):
        for name in ("postgres", "template1", "hA_other_app", f"x{self.prefix}hA", self.prefix):
            with self.subTest(name=name):
                self._assert_refused(self._orphan(name), "tenant prefix")

    def test_refuse_master(self):
        orphan = self._orphan("master")
        # the master's name, whatever it is (even one with the tenant prefix)
        orphan.flush_recordset()
        self.env.cr.execute("UPDATE saas_orphan_database SET name = %s WHERE id = %s",
                            [self.env.cr.dbname, orphan.id])
        orphan.invalidate_recordset()
        with patch("odoo.addons.saas_provisioning.models.saas_orphan_database.tenant_db_prefix",
                   return_value=self.env.cr.dbname[:3]):
            self._assert_refused(orphan, "master database")

    def test_refuse_template_databases(self):
        template = create_template(self.env, self.server, name="hA template", module_list="base")
        template.write({"database_name": f"{self.prefix}hA_tpl_current",
                        "building_database_name": f"{self.prefix}hA_tpl_next"})
        template.action_archive()  # archived templates count too
        for name in (template.database_name, template.building_database_name):
            with self.subTest(name=name):
                self._assert_refused(self._orphan(name), "template")

    def test_refuse_owned(self):
        instance = create_instance(self.env, "ha-owned", self.env.ref("base.main_partner"),
                                   name=False, server_id=self.server.id)
        self._assert_refused(self._orphan(instance.database_name), "belongs to instance")

    def test_one_refused_drops_nothing(self):
        good = self._orphan(f"{self.prefix}hA_fine")
        bad = self._orphan("postgres")
        with self.assertRaises(UserError):
            (good | bad).with_user(self.sysadmin).action_drop()
        self.pg.drop.assert_not_called()
        self.assertTrue((good | bad).exists() == (good | bad))

    def test_system_only(self):
        orphan = self._orphan(f"{self.prefix}hA_secret")
        Orphan = self.Orphan.with_user(self.manager)
        with self.assertRaises(AccessError):
            Orphan.search([])
        with self.assertRaises(AccessError):
            orphan.with_user(self.manager).read(["name"])
        with self.assertRaises(AccessError):
            orphan.with_user(self.manager).action_drop()
        with self.assertRaises(AccessError):
            Orphan.create({"server_id": self.server.id, "name": f"{self.prefix}hA_x"})
        with self.assertRaises(AccessError):
            orphan.with_user(self.manager).write({"name": "postgres"})
        self.pg.drop.assert_not_called()
        self.assertEqual(orphan.name, f"{self.prefix}hA_secret")
        # the menu and the scan button are for system administrators only
        menu = self.env.ref("saas_provisioning.menu_saas_orphans")
        self.assertNotIn(menu.id, self.env["ir.ui.menu"].with_user(self.manager)._visible_menu_ids())
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.sysadmin)._visible_menu_ids())
        arch = self.env["saas.server"].with_user(self.manager).get_views(
            [(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("action_scan_orphans", arch)
        self.assertEqual(len(Orphan.sudo().search([("id", "=", orphan.id)])), 1)
