"""The operator overview's customer figures and the server capacity alert,
against values computed by hand on a fixture, at a fixed clock."""
from datetime import datetime

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import SaasCase, clear_instances, overview_item

NOW = datetime(2030, 6, 15, 12, 0, 0)



@tagged("post_install", "-at_install")
class TestOverviewCustomers(SaasCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._users()
        # the figures count every instance: only the fixture's are left
        clear_instances(cls.env.cr)
        make = cls._create_instance
        cls.a1 = make("ov-a1", state="active")
        cls.a2 = make("ov-a2", state="active")
        cls.a3 = make("ov-a3", state="active")
        cls.s1 = make("ov-s1", state="suspended")
        cls.s2 = make("ov-s2", state="suspended")
        cls.t1 = make("ov-t1", state="terminated", state_date=datetime(2030, 6, 1, 8))
        cls.t2 = make("ov-t2", state="terminated", state_date=datetime(2030, 4, 1, 8))
        cls.d1 = make("ov-d1")
        cls.f1 = make("ov-f1", state="failed")
        cls.p1 = make("ov-p1", state="provisioning")
        everyone = cls.a1 | cls.a2 | cls.a3 | cls.s1 | cls.s2 | cls.t1 | cls.t2 | cls.d1 | \
            cls.f1 | cls.p1
        cls.env.cr.execute("UPDATE saas_instance SET create_date = '2030-01-01' WHERE id IN %s",
                           [tuple(everyone.ids)])
        cls.env.cr.execute("UPDATE saas_instance SET create_date = '2030-06-14 09:00'"
                           " WHERE id IN %s", [(cls.a1.id, cls.a2.id)])
        cls.env.cr.execute("UPDATE saas_instance SET create_date = '2030-06-01 23:59'"
                           " WHERE id = %s", [cls.a3.id])
        everyone.invalidate_recordset()

    def test_customer_figures(self):
        sections = self.env["saas.overview"]._overview_data(NOW)
        self.assertEqual(overview_item(sections, "tenants_active")[1]["value"], 3)
        by_state = overview_item(sections, "tenants_by_state")[1]
        self.assertEqual(dict(zip(by_state["labels"], by_state["datasets"][0]["data"])), {
            "Draft": 1, "Provisioning": 1, "Active": 3, "Suspended": 2, "Terminated": 2,
            "Failed": 1})
        # t1 terminated 14 days ago; t2 long before
        churn = overview_item(sections, "churn")[1]
        self.assertEqual(churn["value"], 1)
        self.assertEqual(churn["action"]["domain"], [("id", "in", [self.t1.id])])
        signups = overview_item(sections, "signups")[1]
        self.assertEqual(len(signups["labels"]), 31)
        self.assertEqual(signups["labels"][0], "2030-05-16")
        self.assertEqual(signups["labels"][-1], "2030-06-15")
        counts = dict(zip(signups["labels"], signups["datasets"][0]["data"]))
        self.assertEqual({day: n for day, n in counts.items() if n},
                         {"2030-06-01": 1, "2030-06-14": 2})

    def test_state_date_written_by_the_state_machine(self):
        self.assertFalse(self.d1.state_date)
        self.d1._set_state("provisioning")
        self.assertTrue(self.d1.state_date)
        with self.assertRaises(AccessError):
            self.d1.with_user(self.saas_manager).write({"state_date": "2030-01-01"})

    def test_overview_for_saas_users_only(self):
        self.assertTrue(self.env["saas.overview"].with_user(self.saas_user).get_overview())
        with self.assertRaises(AccessError):
            self.env["saas.overview"].with_user(self.internal_user).get_overview()


@tagged("post_install", "-at_install")
class TestCapacityAlert(SaasCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._users()
        cls.server.write({"max_instances": 10, "max_connections": 100,
                          "max_database_mb": 1000})

    def _alerts(self):
        return self.env["mail.activity"].search([
            ("res_model", "=", "saas.server"), ("res_id", "=", self.server.id),
            ("activity_type_id", "=",
             self.env.ref("saas_base.mail_activity_type_saas_alert").id)])

    def test_no_alert_below_the_ratio(self):
        self.server._record_capacity(899, 89)
        self.assertFalse(self._alerts())

    def test_alert_once_while_open(self):
        self.server._record_capacity(500, 90)  # 90 % of the connections
        alert = self._alerts()
        self.assertEqual(len(alert), 1)
        self.assertIn(self.env.ref("saas_base.group_saas_manager"), alert.user_id.groups_id)
        self.assertIn("90 %", alert.note)
        self.server._record_capacity(950, 95)
        self.assertEqual(self._alerts(), alert, "no second activity while one is open")
        alert.action_feedback(feedback="Moved tenants")
        self.assertFalse(self._alerts())
        self.server._record_capacity(950, 95)
        self.assertEqual(len(self._alerts()), 1, "a new alert once the first is done")

    def test_alert_when_instances_fill_the_server(self):
        self.server.max_instances = 2
        self._create_instance("ov-cap1", state="active", server_id=self.server.id)
        second = self._create_instance("ov-cap2", server_id=self.server.id)
        self.assertFalse(self._alerts(), "a draft does not trigger the check")
        second._set_state("provisioning")
        self.assertEqual(len(self._alerts()), 1)
