import os
import threading
import xmlrpc.client
from unittest.mock import patch

import psycopg2

from odoo import sql_db
from odoo.tests import TransactionCase, tagged
from odoo.tools import config

from odoo.addons.saas_router import connections, credentials, gate, modules, notice, routing


@tagged("post_install", "-at_install")
class TestRouting(TransactionCase):
    """Routing answers from the host -> database map of the master."""

    TEST_REF = -4242  # instance_ref of the routes these tests publish

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # one opaque name for the whole class, as a tenant keeps its own
        cls.acme_db = routing.new_tenant_db_name()

    def setUp(self):
        super().setUp()
        self.master = self.env.cr.dbname
        self.domain = routing.base_domain()
        self.assertTrue(self.domain, "the test configuration sets base_domain")
        self.acme = self.acme_db
        # published in transactions of their own (as provisioning does): undo
        self.addCleanup(routing.publish_routes, self.master, self.TEST_REF, [])

    def _publish(self, *routes):
        routing.publish_routes(self.master, self.TEST_REF, list(routes))

    def test_hosts_of_the_map_and_nothing_else(self):
        renamed = routing.new_tenant_db_name()  # a database not named after its host
        self._publish(
            {"host": f"acme.{self.domain}", "database_name": self.acme},
            {"host": "Shop.Example.TEST.", "database_name": renamed, "kind": "custom"},
            {"host": f"gone.{self.domain}", "redirect_url": "https://example.test/ended"})
        for host in (f"acme.{self.domain}", f"ACME.{self.domain}:8069", f"acme.{self.domain}.",
                     f"acme.{self.domain}.:80", f"www.acme.{self.domain}"):
            self.assertEqual(routing.classify(host), ("tenant", self.acme), host)
        self.assertEqual(routing.classify("shop.example.test:443"), ("tenant", renamed))
        self.assertEqual(routing.classify(f"gone.{self.domain}"),
                         ("redirect", "https://example.test/ended"))
        # the master's own names
        for host in (self.domain, f"{self.domain}.:8069", "127.0.0.1:8069", f"www.{self.domain}"):
            self.assertEqual(routing.classify(host), ("master", None), host)
        # anything else: nothing, never the master nor a tenant by its name
        for host in ("acme.anything", f"unknown.{self.domain}.", f"a.acme.{self.domain}",
                     f".{self.domain}", "acme.elsewhere.test", ""):
            self.assertEqual(routing.classify(host), ("none", None), host)

    def test_a_host_of_another_release_is_served_by_its_processes_only(self):
        """A row whose app_server is not this process's: 421 from the router
        (never opened with this code), its registry not kept here; the
        process that is that app_server serves it."""
        host = f"acme.{self.domain}"
        self._publish({"host": host, "database_name": self.acme,
                       "app_server": "127.0.0.1:8179"})
        kind, route = routing.classify(host)
        self.assertEqual((kind, route.app_server), (routing.ELSEWHERE, "127.0.0.1:8179"))
        self.assertEqual(routing.route([self.acme], host, lambda dbs, h: dbs,
                                       routable=lambda db: True), [])
        self.assertTrue(routing.served_elsewhere(self.acme))
        self.assertEqual(gate.rpc_refusal(self.acme), notice.message(notice.ELSEWHERE))
        response = notice.refusal(routing.ELSEWHERE, {"PATH_INFO": "/web/login"})
        self.assertEqual(response.status_code, 421)
        options = config.misc.setdefault("saas_router", {})
        with patch.dict(options, {"app_server": "127.0.0.1:8179"}):
            routing.route_map.refresh(force=True)
            routing.route_map._set(routing.route_map.master, routing.route_map.version,
                                   routing.route_map.routes)
            self.assertEqual(routing.classify(host), ("tenant", self.acme))
            self.assertFalse(routing.served_elsewhere(self.acme))
        routing.route_map._set(routing.route_map.master, routing.route_map.version,
                               routing.route_map.routes)
        # the default processes serve the rows without an app_server
        self._publish({"host": host, "database_name": self.acme})
        self.assertEqual(routing.classify(host), ("tenant", self.acme))

    def test_db_filter_and_db_list(self):
        self._publish({"host": f"acme.{self.domain}", "database_name": self.acme})
        fallback = lambda dbs, host: dbs  # noqa: E731 (Odoo's filter: everything)
        dbs = [self.acme, self.master]
        self.assertEqual(routing.route(dbs, f"acme.{self.domain}", fallback,
                                       routable=lambda db: True), [self.acme])
        # in the map but not routable (not customised, or gone): nothing
        self.assertEqual(routing.route(dbs, f"acme.{self.domain}", fallback,
                                       routable=lambda db: False), [])
        self.assertEqual(routing.route(dbs, f"nobody.{self.domain}.", fallback), [])
        self.assertEqual(routing.route(dbs, "acme.anything", fallback), [])
        # the master's names: the fallback, without any tenant database
        self.assertEqual(routing.route(dbs, self.domain, fallback), [self.master])
        # through Odoo's own functions (config: db_name/dbfilter = this database)
        self.assertEqual(routing.db_filter([self.master], host=f"{self.domain}:8069"),
                         [self.master])
        self.assertEqual(routing.db_list(force=True, host="127.0.0.1:8069"), [self.master])
        for host in ("acme.anything", f"unknown.{self.domain}.", f"acme.{self.domain}"):
            self.assertEqual(routing.db_filter([self.master, self.acme], host=host), [], host)
            self.assertEqual(routing.db_list(force=True, host=host), [], host)

    def test_each_group_answers_its_own_hosts(self):
        """serve = master: a tenant's host gets no database; serve =
        tenants: a master's name gets none (and the fallback is never asked)."""
        self._publish({"host": f"acme.{self.domain}", "database_name": self.acme})
        options = config.misc.setdefault("saas_router", {})
        with patch.dict(options, serve="master"):
            self.assertEqual(routing.db_filter([self.master], host=self.domain), [self.master])
            self.assertEqual(routing.db_list(force=True, host=f"acme.{self.domain}"), [])
            self.assertEqual(routing.db_filter([self.acme], host=f"acme.{self.domain}"), [])
        with patch.dict(options, serve="tenants"):
            for host in (self.domain, "127.0.0.1:8069", f"www.{self.domain}"):
                self.assertEqual(routing.db_filter([self.master], host=host), [], host)
                self.assertEqual(routing.db_list(force=True, host=host), [], host)
            self.assertTrue(routing.serves_kind("tenant") and routing.serves_kind("redirect"))
        with patch.dict(options, serve="bogus"):  # a typo serves nothing
            self.assertEqual(routing.db_filter([self.master], host=self.domain), [])
            self.assertFalse(routing.serves_kind("tenant"))
        self.assertEqual(routing.serve_mode(), "all")

    def test_map_cache_follows_changes(self):
        host = f"cache.{self.domain}"
        self.assertEqual(routing.classify(host)[0], "none")
        before = routing.route_map.version
        self._publish({"host": host, "database_name": self.acme})
        self.assertEqual(routing.classify(host), ("tenant", self.acme))
        self.assertNotEqual(routing.route_map.version, before)
        # a thread serving a tenant never reads the master: it keeps the cache
        thread = threading.current_thread()
        saved = getattr(thread, "dbname", None)
        self._publish()
        thread.dbname = self.acme
        try:
            self.assertEqual(routing.classify(host), ("tenant", self.acme))
        finally:
            thread.dbname = saved
        self.assertEqual(routing.classify(host)[0], "none")
        # once per HTTP request: the version is compared at the request's start
        thread.perf_t0 = 12345.0
        try:
            routing.route_map.refresh()
            self._publish({"host": host, "database_name": self.acme})
            self.assertEqual(routing.classify(host)[0], "none")
            thread.perf_t0 = 12346.0
            self.assertEqual(routing.classify(host), ("tenant", self.acme))
        finally:
            del thread.perf_t0

    def test_publish_is_idempotent_and_replaces(self):
        self._publish({"host": f"one.{self.domain}", "database_name": self.acme},
                      {"host": f"two.{self.domain}", "database_name": self.acme})
        self._publish({"host": f"two.{self.domain}", "database_name": self.acme})
        self._publish({"host": f"two.{self.domain}", "database_name": self.acme})
        with sql_db.db_connect(self.master).cursor() as cr:
            cr.execute("SELECT host FROM saas_route WHERE instance_ref = %s", [self.TEST_REF])
            self.assertEqual(cr.fetchall(), [(f"two.{self.domain}",)])
        # a host taken over by another owner (a reused subdomain)
        routing.publish_routes(self.master, self.TEST_REF - 1,
                               [{"host": f"two.{self.domain}", "database_name": "x"}])
        self.addCleanup(routing.publish_routes, self.master, self.TEST_REF - 1, [])
        self.assertEqual(routing.classify(f"two.{self.domain}"), ("tenant", "x"))

    def test_hosts_of_a_tenant_not_served(self):
        """A suspended or tampered tenant's hosts reach no database: the
        router answers them itself, and RPC naming the database is refused."""
        host = f"acme.{self.domain}"
        row = {"host": host, "database_name": self.acme,
               "account_url": "https://saas.test/my/saas/7"}
        fallback = lambda dbs, h: dbs  # noqa: E731
        for state in (routing.SUSPENDED, routing.TAMPERED, routing.MAINTENANCE):
            self._publish(dict(row, state=state))
            kind, route = routing.classify(host)
            self.assertEqual((kind, route.database_name, route.account_url),
                             (state, self.acme, "https://saas.test/my/saas/7"))
            self.assertEqual(routing.route([self.acme], host, fallback,
                                           routable=lambda db: True), [])
            self.assertEqual(routing.route_map.database_state(self.acme), state)
            # maintenance keeps the role's login open (the master's windows
            # inside it must not close it)
            self.assertEqual(routing.database_served(self.master, self.acme),
                             state == routing.MAINTENANCE)
            self.assertEqual(gate.rpc_refusal(self.acme), notice.message(state))
        self._publish(row)  # served again
        self.assertEqual(routing.classify(host), ("tenant", self.acme))
        self.assertTrue(routing.database_served(self.master, self.acme))
        self.assertIsNone(gate.rpc_refusal(self.acme))
        self.assertIsNone(gate.rpc_refusal(self.master))  # not a tenant database
        self.assertEqual(gate.rpc_refusal(routing.new_tenant_db_name()),
                         "This database is not served.")
        with self.assertRaisesRegex(ValueError, "route state"):
            self._publish(dict(row, state="paused"))

    def test_map_change_drops_registries_of_databases_no_longer_served(self):
        dropped = []
        routing.map_listeners.append(dropped.extend)
        self.addCleanup(routing.map_listeners.remove, dropped.extend)
        self._publish({"host": f"acme.{self.domain}", "database_name": self.acme})
        routing.classify(f"acme.{self.domain}")
        self._publish({"host": f"acme.{self.domain}", "database_name": self.acme,
                       "state": routing.SUSPENDED})
        routing.classify(f"acme.{self.domain}")
        self.assertEqual(dropped, [self.acme])

    def test_refusal_page_json_and_xmlrpc(self):
        html = notice.refusal(notice.SUSPENDED, {"PATH_INFO": "/web/login"},
                              "https://saas.test/my/saas/7")
        self.assertEqual(html.status_code, 403)
        body = html.get_data(as_text=True)
        self.assertIn("This instance is suspended", body)
        self.assertIn('href="https://saas.test/my/saas/7"', body)
        # only http(s) links
        self.assertNotIn("javascript", notice.page(notice.TAMPERED, "javascript:alert(1)"))
        rpc = notice.refusal(notice.TAMPERED, {"PATH_INFO": "/web/dataset/call_kw"})
        self.assertEqual(rpc.status_code, 403)
        self.assertIn('"saas.tampered"', rpc.get_data(as_text=True))
        xml = notice.refusal(notice.SUSPENDED, {"PATH_INFO": "/xmlrpc/2/object"})
        self.assertEqual((xml.status_code, xml.mimetype), (403, "text/xml"))
        with self.assertRaisesRegex(xmlrpc.client.Fault, "suspended"):
            xmlrpc.client.loads(xml.get_data(as_text=True))
        # maintenance: "back shortly", 503 with Retry-After (browsers, probes, RPC)
        page = notice.refusal(notice.MAINTENANCE, {"PATH_INFO": "/odoo"}, "https://saas.test/my")
        self.assertEqual((page.status_code, page.headers["Retry-After"]),
                         (503, str(notice.RETRY_AFTER_SECONDS)))
        self.assertIn("This instance is being updated", page.get_data(as_text=True))
        rpc = notice.refusal(notice.MAINTENANCE, {"PATH_INFO": "/jsonrpc"})
        self.assertEqual(rpc.status_code, 503)
        self.assertIn('"saas.maintenance"', rpc.get_data(as_text=True))

    def test_unknown_database_is_not_routable(self):
        self.assertFalse(routing.is_routable(routing.new_tenant_db_name()))
        # the master exists but has no role of its own name that may log in
        self.assertFalse(routing.is_routable(self.env.cr.dbname))

    def test_a_database_on_another_server(self):
        """The map's db_host/db_port: the tenant's connections, the routable
        check and the crons' list go to that server (the second cluster of
        the setup), as the tenant's role."""
        port2 = int(os.environ.get("SAAS_PG_PORT2", "5434"))
        host = config["db_host"] or "127.0.0.1"
        dbname = routing.new_tenant_db_name()
        admin = psycopg2.connect(host=host, port=port2, user=config["db_user"],
                                 password=config["db_password"], dbname="postgres")
        admin.autocommit = True
        self.addCleanup(admin.close)

        def drop():
            sql_db.close_db(dbname)
            with admin.cursor() as cr:
                cr.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
                cr.execute(f'DROP ROLE IF EXISTS "{dbname}"')
        drop()
        with admin.cursor() as cr:
            cr.execute(f'CREATE ROLE "{dbname}" LOGIN PASSWORD %s',
                       [credentials.tenant_role_password(dbname)])
            cr.execute(f'GRANT "{dbname}" TO CURRENT_USER')
            cr.execute(f'CREATE DATABASE "{dbname}" OWNER "{dbname}"')
        self.addCleanup(drop)
        self.assertFalse(routing.is_routable(dbname), "not on Odoo's own server")
        self._publish({"host": f"elsewhere.{self.domain}", "database_name": dbname,
                       "db_host": host, "db_port": port2})
        routing.route_map.refresh(force=True)
        self.assertEqual(routing.route_map.database_server(dbname),
                         {"host": host, "port": port2})
        self.assertTrue(routing.is_routable(dbname))
        self.assertIn(dbname, routing.routable_tenant_databases())
        _db, info = sql_db.connection_info_for(dbname)
        self.assertEqual((info["host"], info["port"], info["user"]), (host, port2, dbname))
        with sql_db.db_connect(dbname).cursor() as cr:
            cr.execute("SELECT current_user, inet_server_port()")
            self.assertEqual(cr.fetchone(), (dbname, port2))
        # a route without a server: Odoo's own again
        self._publish({"host": f"elsewhere.{self.domain}", "database_name": dbname})
        routing.route_map.refresh(force=True)
        self.assertEqual(routing.route_map.database_server(dbname), {})
        self.assertFalse(routing.is_routable(dbname))


@tagged("post_install", "-at_install")
class TestCredentials(TransactionCase):
    def test_tenant_connections_use_the_tenant_role(self):
        tenant = routing.new_tenant_db_name()
        _db, info = sql_db.connection_info_for(tenant)
        self.assertEqual(info["user"], credentials.tenant_role_name(tenant))
        self.assertEqual(info["password"], credentials.tenant_role_password(tenant))
        self.assertNotEqual(info["password"], config["db_password"])
        _db, info = sql_db.connection_info_for(self.env.cr.dbname)
        self.assertEqual(info["user"], config["db_user"])

    def test_a_thread_serving_a_tenant_cannot_borrow_the_masters_connections(self):
        """What a tenant's server action could try: a cursor of the master's
        registry (reachable as env.registry.registries[...])."""
        tenant = routing.new_tenant_db_name()
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

    def test_base_modules_and_tamper_reasons(self):
        dirs = modules.odoo_addons_dirs()
        base = {"base", "web", "saas_tenant", "some_oca_module"}
        # the template's own modules load; saas_tenant always may
        self.assertEqual(modules.refused_names(base, None, base, dirs), [])
        self.assertEqual(modules.refused_names({"saas_dns", "crm"}, None, base, dirs),
                         ["saas_dns"])
        sound = {"base": "installed", "saas_tenant": "installed", "crm": "to upgrade",
                 "saas_dns": "uninstalled"}
        self.assertEqual(modules.tamper_reasons(sound, None, base, dirs), [])
        # the 'to upgrade' trick, and saas_tenant removed
        tricked = dict(sound, saas_dns="to upgrade", saas_tenant="uninstalled")
        self.assertEqual(modules.tamper_reasons(tricked, None, base, dirs),
                         ["saas_tenant is uninstalled", "modules outside the plan: saas_dns"])
        # a tenant customised before base_modules: what is installed stays
        legacy = dict(sound, some_oca_module="installed", saas_dns="to upgrade")
        self.assertEqual(modules.tamper_reasons(legacy, None, None, dirs),
                         ["modules outside the plan: saas_dns"])

    def test_gate_only_in_tenant_databases(self):
        # this (master) database is no tenant: nothing refused here
        self.assertEqual(modules.refused_modules(self.env.cr, ["saas_provisioning"]), [])
