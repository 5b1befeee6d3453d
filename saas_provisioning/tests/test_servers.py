"""Several servers: what the server check measures, and what the route map
is told of a database's server (real PostgreSQL, both clusters of the
setup: ports 5433 and 5434)."""
import contextlib
import os

import psycopg2

from odoo.tests import TransactionCase, tagged
from odoo.tools import config

from odoo.addons.saas_router.routing import tenant_db_prefix

from .common import create_test_server

SECOND_PORT = int(os.environ.get("SAAS_PG_PORT2", "5434"))


@tagged("post_install", "-at_install")
class TestServers(TransactionCase):
    def setUp(self):
        super().setUp()
        self.server = create_test_server(self.env, name="First")
        self.second = create_test_server(self.env, name="Second", port=SECOND_PORT)

    def test_route_server(self):
        """Odoo's own server: nothing in the map (the router connects as it
        always did); another one: its host and port."""
        self.assertEqual(int(config["db_port"]), self.server.port)
        self.assertEqual(self.server._route_server(), {})
        self.assertEqual(self.second._route_server(),
                         {"db_host": self.second.sudo().host, "db_port": SECOND_PORT})

    def test_two_clusters(self):
        self.assertNotEqual(self.server._pg_admin().system_identifier(),
                            self.second._pg_admin().system_identifier())

    def test_measure_capacity(self):
        """Size and sessions of the tenant databases, read from the catalog
        as the admin role: a database of ours and a session on it count."""
        pg = self.second._pg_admin()
        name = tenant_db_prefix() + "_capacity_probe"
        pg.drop(name)
        pg.create_database(name)
        self.addCleanup(pg.drop, name)
        self.second._measure_capacity()
        idle_mb, idle_sessions = self.second.database_mb, self.second.connection_count
        self.assertGreaterEqual(idle_mb, 5, "an empty database weighs a few MB")
        self.assertTrue(self.second.capacity_checked)
        params = dict(self.second._connection_params(), dbname=name)
        with contextlib.closing(psycopg2.connect(**params)):
            self.second._measure_capacity()
            self.assertEqual(self.second.connection_count, idle_sessions + 1)
        self.second.max_connections = idle_sessions + 1
        self.second._record_capacity(idle_mb, idle_sessions + 1)
        self.assertEqual(self.second._capacity_full(), ["connections"])
