from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.tests import TransactionCase, tagged

from .common import create_instance, create_plan

NOW = datetime(2027, 2, 27, 12, 0)  # a fixed clock: the test passes on any day


@tagged("post_install", "-at_install")
class TestPlanLimits(TransactionCase):
    """Over the plan as the master measured it: notice, grace, suspension."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan = create_plan(cls.env, name="Three users", max_users=3, max_storage_mb=100,
                               limit_grace_days=3)
        cls.partner = cls.env["res.partner"].create({"name": "Over Co",
                                                     "email": "boss@over.test"})
        cls.instance = create_instance(cls.env, "over-limits", cls.partner, cls.plan,
                                       name="Over Co")
        cls.instance._write_state_machine({"state": "active"})

    def _enforce(self, now, **usage):
        self.instance.write(usage)
        suspended = []
        with patch.object(type(self.instance), "_hook_suspend",
                          lambda records, reason=None: suspended.append(reason)):
            self.instance._enforce_plan_limits(now)
        return suspended

    def test_notice_grace_then_suspension(self):
        self.assertEqual(self._enforce(NOW, user_count=5, db_size_mb=40.0,
                                       filestore_size_mb=70.0), [])
        self.assertEqual(self.instance.over_limit_since, NOW)
        self.assertEqual(self.instance.over_limit_reason,
                         "5 internal users, the plan allows 3; "
                         "110 MB stored, the plan allows 100 MB")
        notice = self.instance.message_ids.filtered(
            lambda m: self.partner in m.partner_ids)
        self.assertIn(str(NOW + timedelta(days=3)), notice[:1].body)
        # within the grace days: told once, not suspended
        self.assertEqual(self._enforce(NOW + timedelta(days=2, hours=23)), [])
        self.assertEqual(len(self.instance.message_ids.filtered(
            lambda m: self.partner in m.partner_ids)), 1)
        # still over when the grace ends: suspended, saying why
        reasons = self._enforce(NOW + timedelta(days=3))
        self.assertEqual(len(reasons), 1)
        self.assertIn("5 internal users", reasons[0])

    def test_back_within_the_plan_clears(self):
        self._enforce(NOW, user_count=4)
        self.assertTrue(self.instance.over_limit_since)
        self.assertEqual(self._enforce(NOW + timedelta(days=5), user_count=3), [])
        self.assertFalse(self.instance.over_limit_since)
        self.assertFalse(self.instance.over_limit_reason)

    def test_no_limit_and_no_grace(self):
        self.plan.write({"max_users": 0, "max_storage_mb": 0})
        self.assertEqual(self._enforce(NOW, user_count=500, db_size_mb=1e6), [])
        self.plan.write({"max_users": 3, "limit_grace_days": 0})
        self.assertEqual(len(self._enforce(NOW, user_count=4)), 1)
