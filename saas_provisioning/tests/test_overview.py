"""The overview's fleet and care figures against values computed by hand on
a fixture, at a fixed clock."""
from datetime import datetime, timedelta

from odoo.tests import TransactionCase, tagged

from odoo.addons.saas_base.tests.common import clear_instances, overview_item

from .common import create_instance, create_plan, create_template, create_test_server

NOW = datetime(2030, 6, 15, 12, 0, 0)



@tagged("post_install", "-at_install")
class TestOverviewFleet(TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cr = cls.env.cr
        # the figures count every record: only the fixture's are left
        clear_instances(cr)
        cr.execute("DELETE FROM saas_pool_database")
        cr.execute("UPDATE saas_server SET active = false")
        cr.execute("UPDATE saas_template SET active = false")
        cls.server_a = create_test_server(cls.env, name="ov-a", max_instances=4,
                                          max_database_mb=1000)
        cls.server_b = create_test_server(cls.env, name="ov-b", max_instances=10,
                                          max_connections=50)
        cls.server_a.sudo().write({"database_mb": 250})
        cls.server_b.sudo().write({"database_mb": 40, "connection_count": 45})
        cls.template = create_template(cls.env, cls.server_a, name="ov", module_list="base")
        cls.template.write({"state": "ready", "database_name": "ov_tpl"})
        cls.unused = create_template(cls.env, cls.server_a, name="ov unused", module_list="base")
        cls.unused.write({"state": "ready", "database_name": "ov_unused"})
        cls.plan = create_plan(cls.env, cls.template, name="ov plan")
        cls.env["ir.config_parameter"].sudo().set_param("saas_provisioning.pool_size", "2")
        Pool = cls.env["saas.pool.database"].sudo()
        Pool.create({"name": "ov_pool_1", "template_id": cls.template.id,
                     "server_id": cls.server_a.id, "state": "ready"})
        Pool.create({"name": "ov_pool_2", "template_id": cls.template.id,
                     "server_id": cls.server_a.id})
        partner = cls.env["res.partner"].create({"name": "ov customer"})
        def make(sub, **vals):
            return create_instance(cls.env, sub, partner, cls.plan,
                                   **dict({"server_id": cls.server_a.id}, **vals))

        done = NOW - timedelta(days=2)
        for n, seconds in enumerate((10, 40, 30, 100, 20)):
            make(f"ov-p{n}", state="active", provision_done_at=done, provision_seconds=seconds,
                 server_id=cls.server_b.id if n == 0 else cls.server_a.id)
        # out of the window, and a duration never measured
        make("ov-old", state="terminated", provision_done_at=NOW - timedelta(days=8),
             provision_seconds=500)
        make("ov-zero", state="terminated", provision_done_at=done, provision_seconds=0)
        cls.failed = make("ov-failed", state="failed")
        cls.stuck = make("ov-stuck", state="provisioning",
                         provision_requested_at=NOW - timedelta(hours=1),
                         server_id=cls.server_b.id)
        make("ov-busy", state="provisioning", provision_requested_at=NOW - timedelta(minutes=10),
             server_id=cls.server_b.id)
        cls.tampered = make("ov-tampered", state="suspended", tampered=True,
                            tamper_reason="saas_tenant removed", server_id=cls.server_b.id)
        cls.over = make("ov-over", state="active", server_id=cls.server_b.id)
        cls.over.sudo().write({"over_limit_since": NOW - timedelta(days=1),
                               "over_limit_reason": "5 users of 3"})
        cls.unread = make("ov-unread", state="active", server_id=cls.server_b.id)
        cls.unread.sudo().write({"usage_error": "permission denied"})
        cls.maintained = make("ov-maint", state="active", maintenance_reason="update",
                              server_id=cls.server_b.id)
        make("ov-gone", state="terminated", tampered=True)

    def test_fleet_figures(self):
        sections = self.env["saas.overview"]._overview_data(NOW)
        section, servers = overview_item(sections, "servers")
        self.assertEqual(section, "fleet")
        self.assertEqual(servers["labels"], ["ov-a", "ov-b"])
        data = {ds["label"]: ds["data"] for ds in servers["datasets"]}
        # ov-a: ov-p1..p4 and ov-failed (the terminated do not count): 5 of 4,
        # 250 of 1000 MB,
        # no connection limit; ov-b: ov-p0, stuck, busy, tampered, over, unread,
        # maint = 7 of 10, no size limit, 45 of 50 connections
        self.assertEqual(data, {"Instances": [125.0, 70.0], "Database size": [25.0, 0],
                                "Connections": [0, 90.0]})
        _section, rows = overview_item(sections, "server_limits")
        self.assertEqual(rows["rows"][1]["reason"],
                         "Instances 7/10 · Database size 40/∞ · Connections 45/50")
        # 10 20 30 40 100: median 30; p95 at rank 0.95 * 4 = 3.8: 40 + 0.8 * 60
        self.assertEqual(overview_item(sections, "provision_p50")[1]["value"], 30.0)
        self.assertEqual(overview_item(sections, "provision_p95")[1]["value"], 88.0)
        self.assertEqual(overview_item(sections, "provision_p95")[1]["display"], "88.0 s")
        # one ready, one being made, 2 per built template a plan names (one)
        pool = overview_item(sections, "pool_fill")[1]
        self.assertEqual((pool["value"], pool["display"]), (1, "1 / 2"))

    def test_care_figures(self):
        sections = self.env["saas.overview"]._overview_data(NOW)
        counts = {key: overview_item(sections, f"care_{key}")[1]["value"]
                  for key in ("failed", "stuck", "tampered", "over_limit", "usage_error",
                              "maintenance")}
        self.assertEqual(counts, {"failed": 1, "stuck": 1, "tampered": 1, "over_limit": 1,
                                  "usage_error": 1, "maintenance": 1})
        section, records = overview_item(sections, "care_instances")
        self.assertEqual(section, "care")
        self.assertEqual([(row["id"], row["reason"]) for row in records["rows"]], [
            (self.failed.id, "Failed"),
            (self.stuck.id, "Stuck in provisioning"),
            (self.tampered.id, "Tampered with: saas_tenant removed"),
            (self.over.id, "Over a plan limit: 5 users of 3"),
            (self.unread.id, "Usage not read: permission denied"),
            (self.maintained.id, "In maintenance: update"),
        ])
        stuck = overview_item(sections, "care_stuck")[1]["action"]
        self.assertEqual(self.env["saas.instance"].search(stuck["domain"]), self.stuck)
