"""Who may see what: groups, ACLs, record rules and the server password."""

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import config

from ..models.saas_template import SaasTemplate
from .common import SaasCase, create_template


@tagged("post_install", "-at_install")
class TestSecurity(SaasCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._users()
        cls.instance_a = cls._create_instance("sec-a", state="active", server_id=cls.server.id)
        cls.instance_b = cls._create_instance(
            "sec-b", state="active", server_id=cls.server.id, partner_id=cls.customer_b.id
        )

    def test_groups(self):
        manager = self.env.ref("saas_base.group_saas_manager")
        self.assertIn(self.env.ref("saas_base.group_saas_user"), manager.implied_ids)
        admin = self.env.ref("base.user_admin")
        self.assertTrue(admin.has_group("saas_base.group_saas_manager"))
        self.assertTrue(self.saas_manager.has_group("saas_base.group_saas_user"))

    def test_password_system_only(self):
        for user in (self.saas_user, self.saas_manager, self.internal_user, self.portal_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.server.with_user(user).read(["db_password"])
        self.assertNotIn(
            "db_password", self.env["saas.server"].with_user(self.saas_manager).fields_get()
        )
        admin = self.env.ref("base.user_admin")
        values = self.server.with_user(admin).read(["db_password"])
        self.assertEqual(values[0]["db_password"], config["db_password"])
        # code running for a manager still gets what it needs to connect
        self.assertEqual(
            self.server.with_user(self.saas_manager)._connection_params()["password"],
            config["db_password"],
        )

    def test_saas_user(self):
        server = self.server.with_user(self.saas_user)
        self.assertEqual(server.read(["name"])[0]["name"], "Test PostgreSQL")
        self.assertTrue(self.plan.with_user(self.saas_user).read(["name"]))
        self.assertTrue(self.template.with_user(self.saas_user).read(["name"]))
        # reads and writes instances of every customer
        instance = self.instance_b.with_user(self.saas_user)
        instance.write({"expiry_date": "2030-01-01"})
        new = self.env["saas.instance"].with_user(self.saas_user).create(
            {"subdomain": "by-user", "partner_id": self.customer_b.id, "plan_id": self.plan.id}
        )
        self.assertEqual(new.state, "draft")
        with self.assertRaises(AccessError):
            server.write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.env["saas.server"].with_user(self.saas_user).create(
                {"name": "x", "host": "h", "db_user": "u"}
            )
        with self.assertRaises(AccessError):
            self.plan.with_user(self.saas_user).write({"price": 1})
        with self.assertRaises(AccessError):
            self.instance_b.with_user(self.saas_user).unlink()

    def test_internal_user_without_saas_group(self):
        user = self.internal_user
        for record in (self.server, self.template, self.plan, self.instance_a, self.instance_b):
            with self.subTest(model=record._name), self.assertRaises(AccessError):
                record.with_user(user).read(["name"])
        with self.assertRaises(AccessError):
            self.env["saas.instance"].with_user(user).search([])

    def test_portal_user(self):
        Instance = self.env["saas.instance"].with_user(self.portal_user)
        own = self._create_instance(
            "sec-a-contact", partner_id=self.customer_a_contact.id
        )
        # sees the instances of their commercial partner, and only those
        self.assertEqual(Instance.search([]), self.instance_a | own)
        values = self.instance_a.with_user(self.portal_user).read(["subdomain"])
        self.assertEqual(values[0]["subdomain"], "sec-a")
        with self.assertRaises(AccessError):
            self.instance_b.with_user(self.portal_user).read(["subdomain"])
        with self.assertRaises(AccessError):
            self.instance_a.with_user(self.portal_user).write({"name": "Mine now"})
        with self.assertRaises(AccessError):
            Instance.create({"subdomain": "portal-made", "partner_id": self.customer_a.id})
        with self.assertRaises(AccessError):
            self.server.with_user(self.portal_user).read(["name"])
        with self.assertRaises(AccessError):
            self.template.with_user(self.portal_user).read(["name"])
        # published plans only
        plans = self.env["saas.plan"].with_user(self.portal_user).search([])
        self.assertIn(self.plan, plans)
        self.assertNotIn(self.plan_hidden, plans)
        with self.assertRaises(AccessError):
            self.plan_hidden.with_user(self.portal_user).read(["name"])

    def test_settings_access(self):
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.saas_manager).create({})

    def test_connection_fields_system_only(self):
        """Where and how the master connects is for system administrators:
        SaaS managers and users can neither read nor change it."""
        connection = ["host", "port", "db_user", "db_password", "filestore_root"]
        self.server.sudo().filestore_root = "/srv/filestore"
        before = self.server.sudo().read(connection)
        for user in (self.saas_user, self.saas_manager):
            server = self.server.with_user(user)
            fields_get = self.env["saas.server"].with_user(user).fields_get()
            for fname in connection:
                with self.subTest(user=user.login, field=fname):
                    self.assertNotIn(fname, fields_get)
                    with self.assertRaises(AccessError):
                        server.read([fname])
                    with self.assertRaises(AccessError):
                        server.search_read([("id", "=", self.server.id)], [fname])
            # the manager may still edit what is theirs, not the connection
            if user == self.saas_manager:
                server.write({"max_instances": 40})
                for vals in ({"host": "10.6.6.6"}, {"port": 6543}, {"db_user": "postgres"},
                             {"filestore_root": "/tmp"}, {"db_password": "x"}):
                    with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                        server.write(dict(vals, max_instances=41))
        self.env.invalidate_all()
        self.assertEqual(self.server.sudo().read(connection), before)
        self.assertEqual(self.server.max_instances, 40)
        admin = self.env.ref("base.user_admin")
        host = before[0]["host"]
        self.assertEqual(self.server.with_user(admin).read(["host"])[0]["host"], host)
        # code running for a manager still gets what it needs
        server = self.server.with_user(self.saas_manager)
        self.assertEqual(server._connection_params()["host"], host)
        self.assertEqual(server._filestore_root(), "/srv/filestore")

    def test_check_connection_as_manager(self):
        server = self.server.with_user(self.saas_manager)
        server.action_check_connection()
        self.assertEqual(self.server.state, "up", self.server.last_error)

    def test_error_redacted(self):
        server = self.server
        redacted = server._redact(
            f'connection to server at "{server.host}", port {server.port} failed: FATAL:  '
            f'password authentication failed for user "{server.db_user}"')
        self.assertNotIn(server.host, redacted)
        self.assertNotIn(str(server.port), redacted)
        self.assertNotIn(f'"{server.db_user}"', redacted)

    def test_template_database_system_only(self):
        # saas_base's own build hook (saas_provisioning, when installed,
        # overrides it with a job)
        SaasTemplate._hook_build(self.template)
        name = self.template.database_name
        self.assertTrue(name)
        for user in (self.saas_user, self.saas_manager):
            with self.subTest(user=user.login):
                self.assertNotIn(
                    "database_name", self.env["saas.template"].with_user(user).fields_get())
                with self.assertRaises(AccessError):
                    self.template.with_user(user).read(["database_name"])
                self.assertEqual(self.template.with_user(user)._template_database(), name)
        with self.assertRaises(AccessError):
            self.template.with_user(self.saas_manager).write({"database_name": "postgres"})
        self.env.invalidate_all()
        self.assertEqual(self.template.database_name, name)

    def test_build_as_manager(self):
        template = create_template(self.env, name="Mgr build", module_list="base")
        SaasTemplate._hook_build(template.with_user(self.saas_manager))
        self.assertEqual(template.state, "building")
        self.assertTrue(template.database_name)
        self.assertNotIn(template.database_name, template.message_ids[0].body)
        # a SaaS user may not build: nothing written
        with self.assertRaises(AccessError):
            SaasTemplate._hook_build(self.template.with_user(self.saas_user))
        self.assertEqual(self.template.state, "draft")
        self.assertFalse(self.template.database_name)
