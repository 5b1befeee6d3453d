import threading

from odoo import sql_db
from odoo.tests import TransactionCase, tagged
from odoo.tools import config

from odoo.addons.saas_router import connections, credentials, modules, routing


@tagged("post_install", "-at_install")
class TestRouting(TransactionCase):
    def test_classify_hosts(self):
        domain = routing.base_domain()
        self.assertTrue(domain, "the test configuration sets base_domain")
        acme = routing.tenant_db_name("acme")
        for host in (f"acme.{domain}", f"ACME.{domain}:8069", f"acme.{domain}.",
                     f"acme.{domain}.:80", f"www.acme.{domain}"):
            self.assertEqual(routing.classify(host), ("tenant", acme), host)
        # under base_domain but no tenant's name: nothing, never the master
        for host in (f"a.acme.{domain}", f"x.y.{domain}.", f".{domain}"):
            self.assertEqual(routing.classify(host)[0], "none", host)
        self.assertEqual(routing.classify(domain), ("other", None))
        self.assertEqual(routing.classify(f"{domain}.:8069"), ("other", None))
        self.assertEqual(routing.classify("acme.elsewhere.test")[0], "other")

    def test_route_never_falls_back_for_tenant_hosts(self):
        domain = routing.base_domain()
        acme = routing.tenant_db_name("acme")
        master = [self.env.cr.dbname]
        fallback = lambda dbs, host: dbs  # noqa: E731 (Odoo's filter: everything)
        self.assertEqual(routing.route([acme] + master, f"acme.{domain}", fallback,
                                       routable=lambda db: True), [acme])
        self.assertEqual(routing.route([acme] + master, f"acme.{domain}", fallback,
                                       routable=lambda db: False), [])
        self.assertEqual(routing.route(master, f"nobody.{domain}.", fallback), [])
        # other hosts: the fallback, without any tenant database
        self.assertEqual(routing.route([acme] + master, domain, fallback), master)

    def test_unknown_database_is_not_routable(self):
        self.assertFalse(routing.is_routable(routing.tenant_db_name("no-such-tenant")))
        # the master exists but has no role of its own name that may log in
        self.assertFalse(routing.is_routable(self.env.cr.dbname))


@tagged("post_install", "-at_install")
class TestCredentials(TransactionCase):
    def test_tenant_connections_use_the_tenant_role(self):
        tenant = routing.tenant_db_name("acme")
        _db, info = sql_db.connection_info_for(tenant)
        self.assertEqual(info["user"], credentials.tenant_role_name(tenant))
        self.assertEqual(info["password"], credentials.tenant_role_password(tenant))
        self.assertNotEqual(info["password"], config["db_password"])
        _db, info = sql_db.connection_info_for(self.env.cr.dbname)
        self.assertEqual(info["user"], config["db_user"])

    def test_a_thread_serving_a_tenant_cannot_borrow_the_masters_connections(self):
        """What a tenant's server action could try: a cursor of the master's
        registry (reachable as env.registry.registries[...])."""
        tenant = routing.tenant_db_name("acme")
        master_db = sql_db.db_connect(self.env.cr.dbname)  # master credentials
        thread = threading.current_thread()
        saved = getattr(thread, "dbname", None)
        thread.dbname = tenant
        try:
            with self.assertRaisesRegex(connections.TenantConnectionRefused, "its own role"):
                master_db.cursor()
            # and a new connection to the master is made as the tenant's role
            _db, info = sql_db.connection_info_for(self.env.cr.dbname)
            self.assertEqual(info["user"], credentials.tenant_role_name(tenant))
        finally:
            thread.dbname = saved
        with master_db.cursor() as cr:  # the master's own thread may
            cr.execute("SELECT 1")

    def test_missing_secret_is_a_clear_error(self):
        section = config.misc.setdefault("saas_router", {})
        saved = section.get("tenant_role_secret")
        section["tenant_role_secret"] = "short"
        try:
            with self.assertRaisesRegex(credentials.MissingSecretError, "tenant_role_secret"):
                credentials.tenant_role_password("saas_t_x")
        finally:
            section["tenant_role_secret"] = saved


@tagged("post_install", "-at_install")
class TestModulePolicy(TransactionCase):
    def test_default_allows_odoo_addons_only(self):
        dirs = modules.odoo_addons_dirs()
        self.assertTrue(modules.is_allowed("sale", addons_dirs=dirs))
        self.assertTrue(modules.is_allowed("website", addons_dirs=dirs))
        for name in ("saas_provisioning", "saas_base", "saas_router", "queue_job",
                     "no_such_module"):
            self.assertFalse(modules.is_allowed(name, addons_dirs=dirs), name)

    def test_explicit_allow_list(self):
        allowed = modules.parse_allowed(" crm, sale ,")
        self.assertEqual(allowed, {"crm", "sale"})
        self.assertTrue(modules.is_allowed("crm", allowed))
        self.assertFalse(modules.is_allowed("website", allowed))
        self.assertIsNone(modules.parse_allowed(None))

    def test_gate_only_in_tenant_databases(self):
        # this (master) database is no tenant: nothing refused here
        self.assertEqual(modules.refused_modules(self.env.cr, ["saas_provisioning"]), [])
