import json

from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.saas_base.tests.common import create_test_server


@tagged("post_install", "-at_install")
class TestCapacityEvent(TransactionCase):
    """A server reaching 90 % of a limit: the alert's activity and one
    ``server.capacity`` event (none while the activity is open)."""

    def test_server_capacity_event(self):
        self.env["ir.config_parameter"].set_param("saas_webhook.allow_private_urls", "1")
        owner = new_test_user(self.env, "ov_wh_owner", groups="base.group_system")
        self.env["saas.webhook.endpoint"].create({
            "name": "Ops", "url": "http://127.0.0.1:9/hook", "user_id": owner.id,
            "event_type_ids": self.env["saas.webhook.event.type"].search(
                [("code", "=", "server.capacity")]).ids})
        server = create_test_server(self.env, name="ov wh server", max_connections=100,
                                    max_database_mb=1000)
        Event = self.env["saas.webhook.event"]
        server._record_capacity(100, 50)
        self.assertFalse(Event.search([("event_type", "=", "server.capacity")]))
        server._record_capacity(950, 50)
        event = Event.search([("event_type", "=", "server.capacity")])
        self.assertEqual(len(event), 1)
        self.assertEqual((event.res_model, event.res_id), ("saas.server", server.id))
        self.assertEqual(json.loads(event.body)["data"], {
            "server_id": server.id, "name": "ov wh server", "capacity_ratio": 0.95,
            "limits": {"database_mb": {"used": 950, "limit": 1000}},
        }, "the alert's own data, not the server's description")
        server._record_capacity(990, 50)
        self.assertEqual(Event.search_count([("event_type", "=", "server.capacity")]), 1,
                         "no second event while the alert is open")
