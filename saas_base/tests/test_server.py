"""saas.server: a real connection check and the placement helper."""

import socket

from psycopg2.errors import CheckViolation

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import config, mute_logger

from .common import SaasCase, create_test_server


def _closed_port():
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestServer(SaasCase):
    def test_connection_params(self):
        params = self.server._connection_params()
        self.assertEqual(
            params,
            {
                "host": config["db_host"],
                "port": int(config["db_port"]),
                "user": config["db_user"],
                "password": config["db_password"],
                "dbname": "postgres",
                "connect_timeout": 3,
            },
        )
        self.assertEqual(self.server._connection_params("other")["dbname"], "other")

    def test_check_connection_up(self):
        action = self.server.action_check_connection()
        self.assertEqual(self.server.state, "up", self.server.last_error)
        self.assertTrue(self.server.last_check)
        self.assertFalse(self.server.last_error)
        self.assertEqual(action["params"]["type"], "success")

    def test_check_connection_closed_port(self):
        server = self.server.copy({"name": "Closed", "port": _closed_port(),
                                   "db_password": config["db_password"]})
        action = server.action_check_connection()
        self.assertEqual(server.state, "down")
        self.assertTrue(server.last_check)
        self.assertTrue(server.last_error)
        self.assertEqual(action["params"]["type"], "danger")
        # and back up once the port is right
        server.port = self.server.port
        server.action_check_connection()
        self.assertEqual(server.state, "up")
        self.assertFalse(server.last_error)

    def test_check_connection_bad_password(self):
        server = self.server.copy({"name": "Wrong password", "db_password": "not-the-password"})
        server.action_check_connection()
        self.assertEqual(server.state, "down")
        self.assertIn("password", server.last_error.lower())

    def test_capacity(self):
        self.server.max_instances = 3
        self._create_instance("cap-one", state="active", server_id=self.server.id)
        self._create_instance("cap-two", state="suspended", server_id=self.server.id)
        self._create_instance("cap-gone", state="terminated", server_id=self.server.id)
        self.assertEqual(self.server.instance_count, 2)
        self.assertEqual(self.server.capacity_free, 1)
        # measured limits beside the count: the fullest one decides
        self.server.write({"max_database_mb": 1000, "max_connections": 40})
        self.server._record_capacity(950, 10)
        self.assertEqual(self.server._capacity_usage(), {
            "instances": (2, 3), "database_mb": (950, 1000), "connections": (10, 40)})
        self.assertAlmostEqual(self.server.capacity_ratio, 0.95)
        self.assertEqual(self.server._capacity_full(), [])
        self.server._record_capacity(1000, 10)
        self.assertEqual(self.server._capacity_full(), ["database_mb"])
        self.server.write({"max_database_mb": 0})  # no limit
        self.assertAlmostEqual(self.server.capacity_ratio, 2 / 3)
        self.assertTrue(self.server.capacity_checked)

    def test_pick_default_first(self):
        other = create_test_server(self.env, name="Bigger", max_instances=1000)
        Server = self.env["saas.server"]
        # the default server wins even with less free capacity
        self.assertEqual(Server._pick_for_new_instance(), self.server)
        # a full default server is skipped
        self.server.max_instances = 1
        self._create_instance("pick-full", state="active", server_id=self.server.id)
        self.assertEqual(Server._pick_for_new_instance(), other)
        # a server known to be down is skipped; unknown is acceptable
        self.server.max_instances = 50
        self.server.state = "down"
        self.assertEqual(Server._pick_for_new_instance(), other)
        self.assertEqual(other.state, "unknown")
        # archived servers are never picked
        other.active = False
        self.assertFalse(Server._pick_for_new_instance())

    def test_pick_by_capacity_and_template(self):
        """A server full by any of its limits is skipped, the least full of
        the others is preferred, and a template's instance goes only where
        that template (or a ready sibling of it) is."""
        Server = self.env["saas.server"]
        self.env["ir.config_parameter"].sudo().set_param("saas_base.default_server_id", "")
        roomy, crowded = (create_test_server(self.env, name=name, port=self.server.port + 1,
                                             max_instances=1000, max_database_mb=1000,
                                             max_connections=100)
                          for name in ("Roomy", "Crowded"))
        self.server.write({"max_database_mb": 1000, "max_connections": 100})
        self.server._record_capacity(500, 10)
        roomy._record_capacity(100, 10)
        crowded._record_capacity(900, 10)
        self.assertEqual(Server._pick_for_new_instance(), roomy, "the least full first")
        roomy._record_capacity(1000, 10)  # full by its database size
        self.assertEqual(roomy._capacity_full(), ["database_mb"])
        self.assertEqual(Server._pick_for_new_instance(), self.server)
        self.server._record_capacity(500, 100)  # full by its connections
        self.assertEqual(Server._pick_for_new_instance(), crowded)
        # the template is on self.server only: full, so nothing fits it
        self.assertFalse(Server._pick_for_new_instance(self.template))
        # a ready build of the same template on another server opens it
        sibling = self.template.copy({"name": self.template.name, "server_id": crowded.id})
        self.assertFalse(Server._pick_for_new_instance(self.template), "not ready yet")
        sibling.state = "ready"
        self.assertEqual(Server._pick_for_new_instance(self.template), crowded)
        self.assertEqual(self.template._on_server(crowded), sibling)
        self.assertEqual(self.template._on_server(self.server), self.template)
        crowded._record_capacity(1000, 10)
        self.assertFalse(Server._pick_for_new_instance(), "a full fleet takes nobody")

    def test_unlink_with_instances(self):
        self._create_instance("on-server", server_id=self.server.id)
        with self.assertRaisesRegex(UserError, "archive"):
            self.server.unlink()
        empty = self.server.copy({"name": "Empty"})
        empty.unlink()
        self.assertFalse(empty.exists())

    def test_bad_port_refused(self):
        before = self.env["saas.server"].search_count([])
        with self.assertRaises(CheckViolation), self.cr.savepoint(), mute_logger("odoo.sql_db"):
            create_test_server(self.env, name="Bad", port=70000)
        self.assertEqual(self.env["saas.server"].search_count([]), before)
