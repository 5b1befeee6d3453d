import json

from odoo.tests import tagged

from .common import SaasPortalCase


@tagged("post_install", "-at_install")
class TestPortalAccess(SaasPortalCase):
    """Customer A, logged in, against customer B's instances (billing's and
    single sign-on's pages: their addons' tests)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._two_customers()

    def test_own_pages_work(self):
        self.authenticate("h7-cust-a", "h7-cust-a-pass-123")
        listing = self.url_open("/my/saas")
        self.assertEqual(listing.status_code, 200)
        self.assertIn("Alpha", listing.text)
        self.assertNotIn("Bravo", listing.text)
        detail = self.url_open(f"/my/saas/{self.inst_a.id}")
        self.assertEqual(detail.status_code, 200)
        self.assertIn("h7-alpha.localhost", detail.text)
        self.assertIn("2 ", detail.text)
        self.assertIn('data-usage="users"', detail.text)
        self.assertIn("width: 67%", detail.text, "2 users of 3")
        self.assertIn("width: 10%", detail.text, "50 MB of 500 MB")
        # the anchors other addons extend the page at
        for anchor in ("saas_instance_notices", "saas_instance_actions", "saas_instance_plan",
                       "saas_instance_usage", "saas_instance_sections"):
            self.assertIn(f'id="{anchor}"', detail.text)
        counters = self.url_open(
            "/my/counters", data=json.dumps({"params": {"counters": ["saas_instance_count"]}}),
            headers={"Content-Type": "application/json"}).json()["result"]
        self.assertEqual(counters["saas_instance_count"], 1)

    def test_suspended_banner(self):
        self.inst_a._write_state_machine({"state": "suspended"})
        self.authenticate("h7-cust-a", "h7-cust-a-pass-123")
        detail = self.url_open(f"/my/saas/{self.inst_a.id}")
        self.assertIn("o_saas_suspended_banner", detail.text)
        self.assertIn("Your Odoo is suspended", detail.text)

    def test_other_customer_gets_nothing(self):
        self.authenticate("h7-cust-a", "h7-cust-a-pass-123")
        plan_before = self.inst_b.plan_id
        for instance in (self.inst_b, self.inst_b2):
            bid = instance.id
            self._assert_nothing_of_b((f"/my/saas/{bid}", f"/saas/progress/{bid}",
                                       f"/saas/progress/{bid}/status"))
        # ids that do not exist answer the same as ids of others
        self.assertEqual(self.url_open("/my/saas/99999999").status_code, 404)

        # RPC as A: B's records are neither readable nor writable
        with self.assertRaises(Exception) as ctx:
            self._rpc("saas.instance", "read", [[self.inst_b.id], ["name"]])
        self.assertNotIn("Bravo Secret", str(ctx.exception))
        found = self._rpc("saas.instance", "search_read", [[]], {"fields": ["name"]})
        self.assertEqual([r["name"] for r in found], ["Alpha"])
        for method, args in (("write", [[self.inst_b.id], {"plan_id": self.plan_big.id}]),
                             ("request_provisioning", [[self.inst_b.id], "x"]),
                             ("action_suspend", [[self.inst_b.id]]),
                             # even on its own instance, a customer has no backend actions
                             ("action_suspend", [[self.inst_a.id]]),
                             ("action_terminate", [[self.inst_a.id]]),
                             ("write", [[self.inst_a.id], {"plan_id": self.plan_big.id}]),
                             ("_portal_progress", [[self.inst_b.id]])):
            with self.assertRaises(Exception, msg=method):
                self._rpc("saas.instance", method, args)
        self.inst_b.invalidate_recordset()
        self.assertEqual((self.inst_b.plan_id, self.inst_b.state), (plan_before, "active"))
        self.inst_a.invalidate_recordset()
        self.assertEqual((self.inst_a.plan_id, self.inst_a.state), (plan_before, "active"))

    def test_trusted_contacts(self):
        """The door saas_backup and saas_dns ask: the instance's own contact
        is trusted with its secrets, another contact of the company is not."""
        self.assertEqual(self.inst_a.trusted_partner_ids, self.partner_a)
        self.assertTrue(self.inst_a.with_user(self.user_a)._portal_is_trusted())
        colleague = self.env["res.users"].create({
            "name": "Alice", "login": "h7-alice", "partner_id": self.contact_a.id,
            "groups_id": [(6, 0, self.env.ref("base.group_portal").ids)]})
        self.assertFalse(self.inst_a.with_user(colleague)._portal_is_trusted())
        self.assertFalse(self.inst_b.with_user(self.user_a)._portal_is_trusted())
        # a new owner is trusted instead
        self.inst_a.partner_id = self.contact_a
        self.assertEqual(self.inst_a.trusted_partner_ids, self.contact_a)
        self.assertTrue(self.inst_a.with_user(colleague)._portal_is_trusted())
        self.assertFalse(self.inst_a.with_user(self.user_a)._portal_is_trusted())
