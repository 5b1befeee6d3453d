"""Only the state machine writes the state machine fields (``state``): not
users over the ORM or RPC, whatever context they send."""

from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.service.model import get_public_method
from odoo.tests import tagged

from .common import SaasCase


@tagged("post_install", "-at_install")
class TestStateGuard(SaasCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._users()
        cls.admin = cls.env.ref("base.user_admin")
        cls.instance = cls._create_instance("guard-a", state="active", server_id=cls.server.id)

    def _snapshot(self, instance=None):
        instance = instance or self.instance
        self.env.invalidate_all()
        return (
            instance.state,
            instance.activation_date,
            len(instance.message_ids),
            self.env["saas.instance"].search_count([]),
        )

    def test_protected_fields(self):
        """Every field of the state machine (with those the installed addons
        add) is refused to a plain write, even sudo and with its own value,
        and named in the refusal."""
        protected = self.Instance._state_machine_fields()
        self.assertIn("state", protected)
        before = self._snapshot()
        for fname in sorted(protected):
            value = self.instance._fields[fname].convert_to_write(
                self.instance[fname], self.instance)
            with self.subTest(field=fname):
                with self.assertRaises(AccessError) as ctx:
                    self.instance.sudo().write({fname: value})
                self.assertIn(fname, str(ctx.exception))
        self.assertEqual(self._snapshot(), before)

    def test_write_refused_for_everyone(self):
        before = self._snapshot()
        forged_contexts = (
            {},
            # RPC callers choose the context: its keys open nothing
            {"saas_base_state_machine": True},
            {"saas_base_state_machine": "object"},
            {"saas_base_state_machine": {"token": 1}},
        )
        users = (self.saas_user, self.saas_manager, self.portal_user, self.admin)
        for user in users:
            for context in forged_contexts:
                for new in ("terminated", "suspended", "draft", "active"):
                    with self.subTest(user=user.login, context=context, state=new):
                        record = self.instance.with_user(user).with_context(**context)
                        with self.assertRaises(AccessError) as ctx:
                            record.write({"state": new, "name": "Renamed"})
                        if user != self.portal_user:  # the portal has no write ACL at all
                            self.assertIn("state machine", str(ctx.exception))
                        with self.assertRaises(AccessError):
                            record.state = new
        self.assertEqual(self._snapshot(), before)
        self.assertEqual(self.instance.name, "guard-a")

    def test_write_refused_even_sudo(self):
        # server code too goes through _set_state / _write_state_machine
        before = self._snapshot()
        with self.assertRaises(AccessError):
            self.instance.sudo().write({"state": "suspended"})
        self.assertEqual(self._snapshot(), before)

    def test_other_fields_still_writable(self):
        self.instance.with_user(self.saas_user).write({"expiry_date": "2031-01-31"})
        self.assertEqual(str(self.instance.expiry_date), "2031-01-31")

    def test_create_refused_in_other_states(self):
        before = self._snapshot()
        Instance = self.env["saas.instance"]
        for user in (self.saas_user, self.saas_manager, self.portal_user, self.admin):
            for state in ("provisioning", "active", "suspended", "failed", "terminated"):
                with self.subTest(user=user.login, state=state):
                    vals = {"subdomain": f"guard-new-{state}", "partner_id": self.customer_a.id,
                            "plan_id": self.plan.id, "state": state}
                    with self.assertRaises(AccessError):
                        Instance.with_user(user).create(vals)
                    with self.assertRaises(AccessError):
                        Instance.with_user(user).with_context(
                            saas_base_state_machine=True).create(vals)
                    # nor through a context default (what a kanban column sends)
                    vals.pop("state")
                    with self.assertRaises(AccessError):
                        Instance.with_user(user).with_context(default_state=state).create(vals)
        self.assertEqual(self._snapshot(), before)

    def test_create_draft_allowed(self):
        Instance = self.env["saas.instance"].with_user(self.saas_user)
        explicit = Instance.create({"subdomain": "guard-draft", "partner_id": self.customer_b.id,
                                    "plan_id": self.plan.id, "state": "draft"})
        by_default = Instance.with_context(default_state="draft").create(
            {"subdomain": "guard-default", "partner_id": self.customer_b.id,
             "plan_id": self.plan.id})
        self.assertEqual((explicit.state, by_default.state), ("draft", "draft"))

    def test_user_default_ignored(self):
        # a user default (ir.default) for the state is not a way in either
        self.env["ir.default"].set("saas.instance", "state", "active", user_id=self.saas_user.id)
        instance = self.env["saas.instance"].with_user(self.saas_user).create(
            {"subdomain": "guard-ir-default", "partner_id": self.customer_b.id,
             "plan_id": self.plan.id})
        self.assertEqual(instance.state, "draft")

    def test_state_machine_still_works(self):
        instance = self.instance.with_user(self.saas_user)
        instance._set_state("suspended", message="guard test")
        self.assertEqual(self.instance.state, "suspended")
        self.assertIn("guard test", self.instance.message_ids[0].body)
        # the permission does not stay on the records afterwards
        with self.assertRaises(AccessError):
            instance.write({"state": "active"})
        self.assertEqual(self.instance.state, "suspended")
        instance._set_state("active")
        self.assertEqual(self.instance.state, "active")

    def test_helpers(self):
        created = self.env["saas.instance"].with_user(self.saas_manager)._create_state_machine(
            [{"subdomain": "guard-helper", "partner_id": self.customer_b.id,
              "plan_id": self.plan.id, "state": "suspended"}])
        self.assertEqual(created.state, "suspended")
        created._write_state_machine({"state": "active"})
        self.assertEqual(created.state, "active")
        # neither helper leaves the permission on the records
        for record in (created, self.instance):
            with self.assertRaises(AccessError):
                record.write({"state": "terminated"})
        self.assertEqual(created.state, "active")
        # private: not reachable over RPC
        for name in ("_write_state_machine", "_create_state_machine", "_set_state"):
            with self.subTest(method=name), self.assertRaises(AccessError):
                get_public_method(self.env["saas.instance"], name)

    def test_fields_extensible(self):
        # another addon adds its own fields with super() | {...}
        cls = type(self.env["saas.instance"])
        base = cls._state_machine_fields
        with patch.object(cls, "_state_machine_fields",
                          lambda self: base(self) | {"expiry_date"}):
            with self.assertRaises(AccessError) as ctx:
                self.instance.with_user(self.saas_manager).write({"expiry_date": "2040-01-01"})
            self.assertIn("expiry_date", str(ctx.exception))
            self.assertFalse(self.instance.expiry_date)
            with self.assertRaises(AccessError):
                self.env["saas.instance"].with_user(self.saas_manager).create(
                    {"subdomain": "guard-ext", "partner_id": self.customer_b.id,
                     "plan_id": self.plan.id, "expiry_date": "2040-01-01"})
            self.instance._write_state_machine({"expiry_date": "2040-01-01"})
            self.assertEqual(str(self.instance.expiry_date), "2040-01-01")
