import os

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, tagged

from odoo.addons.saas_provisioning.tests.common import (
    create_instance,
    create_plan,
    create_template,
)


@tagged("post_install", "-at_install")
class TestRelease(TransactionCase):
    """Releases, the instance's release and its route rows, rollouts' rules
    (the real rehearsal and promotion: tests/test_e2e_release.py)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.current = cls.env.ref("saas_release.release_current")
        cls.v2 = cls.env["saas.release"].create({
            "name": "v2 (test)", "app_server": "127.0.0.1:18179",
            "addons_path": cls.current.addons_path})
        cls.template = create_template(cls.env, name="On v2", module_list="base",
                                       release_id=cls.v2.id)
        cls.plan = create_plan(cls.env, cls.template, name="On v2", max_users=3)
        cls.partner = cls.env["res.partner"].create({"name": "Rel Co", "email": "a@rel.test"})

    def _instance(self, sub, plan=None):
        return create_instance(self.env, sub, self.partner, plan or self.plan, name=False)

    def test_default_release_is_the_masters_code(self):
        self.assertTrue(self.current.is_default)
        program = self.current._program()
        self.assertTrue(os.path.isfile(program["odoo_bin"]))
        self.assertEqual(self.env["saas.release"]._default_release(), self.current)
        with self.assertRaises(ValidationError):
            self.v2.is_default = True
        for bad in ("127.0.0.1", "host;include x:80", ":80"):
            with self.assertRaises(ValidationError):
                self.v2.app_server = bad

    def test_instance_is_born_on_its_templates_release_and_routed_to_its_processes(self):
        instance = self._instance("rel-born")
        self.assertEqual(instance.release_id, self.v2)
        instance._write_state_machine({"state": "active"})
        rows = instance._route_rows()
        self.assertTrue(rows)
        self.assertEqual({row["app_server"] for row in rows}, {"127.0.0.1:18179"})
        instance._write_state_machine({"release_id": self.current.id})
        self.assertEqual({row["app_server"] for row in instance._route_rows()}, {None})
        # only the state machine (a promotion) moves an instance
        with self.assertRaises(AccessError):
            instance.write({"release_id": self.v2.id})

    def test_promote_and_rehearse_are_checked_first(self):
        instance = self._instance("rel-draft")
        with self.assertRaisesRegex(UserError, "only active or suspended"):
            instance.action_promote(self.current.id)
        instance._write_state_machine({"state": "active"})
        with self.assertRaisesRegex(UserError, "already"):
            instance.action_rehearse(self.v2.id)
        user = self.env["res.users"].create({
            "name": "Plain SaaS user", "login": "rel-plain",
            "groups_id": [(6, 0, [self.env.ref("saas_base.group_saas_user").id,
                                  self.env.ref("base.group_user").id])]})
        with self.assertRaises(AccessError):
            instance.with_user(user).action_promote(self.current.id)

    def test_rollout_rules(self):
        Rollout = self.env["saas.release.rollout"]
        for share in (0, 1.5):
            with self.assertRaises(ValidationError):
                Rollout.create({"release_id": self.v2.id, "canary_share": share})
        with self.assertRaises(ValidationError):
            Rollout.create({"release_id": self.v2.id, "max_failure_rate": 1})
        on_v2 = self._instance("rel-on-v2")
        on_v2._write_state_machine({"state": "active"})
        rollout = Rollout.create({"release_id": self.v2.id, "instance_ids": [(6, 0, on_v2.ids)]})
        with self.assertRaisesRegex(UserError, "No instance"):
            rollout.action_start()
        self.assertEqual(rollout.state, "draft")
