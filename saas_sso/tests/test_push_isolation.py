"""Pushing the signing keys isolates each tenant: one whose administrator
revoked CONNECT on its database from its own role (the master cannot write
its settings) is reported and logged, every other live tenant trusts the new
key.  Real tenants, cloned from a real template."""
import json

from odoo.tests import HttpCase, tagged

from odoo.addons.saas_provisioning.tests.hostile import refuse_connections, set_up_tenants


@tagged("post_install", "-at_install")
class TestKeyPushIsolation(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a, cls.hostile, cls.b = set_up_tenants(
            cls, "SSO push", ["sso-push-a", "sso-push-hostile", "sso-push-b"], max_users=5)
        refuse_connections(cls.hostile)

    def test_rotation_reaches_every_other_tenant(self):
        Key = self.env["saas.sso.key"]
        old = Key._ensure_key()
        with self.assertLogs("odoo.addons.saas_provisioning.models.saas_instance_loops",
                             "WARNING") as logs:
            action = old.action_rotate()
        new = Key._signing_key()
        self.assertNotEqual(new, old)
        for instance in (self.a, self.b):
            keys = json.loads(instance._tenant_db().read_settings()["sso_public_keys"])
            self.assertEqual(set(keys), {old.kid, new.kid})
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn(self.hostile.display_name, action["params"]["message"])
        self.assertIn("could not be written", self.hostile.message_ids[:1].body)
        line = self.hostile.log_ids.filtered(lambda l: l.result == "failed")
        self.assertEqual((line.operation, line.step), ("sso", "push keys"))
        self.assertIn("permission denied for database", line.message)
        self.assertIn(self.hostile.database_name, logs.output[0])
        self.assertFalse((self.a | self.b).log_ids.filtered(lambda l: l.result == "failed"))
