from odoo.tests import TransactionCase, tagged

from odoo.addons.saas_provisioning.tests.common import create_instance, create_plan


@tagged("post_install", "-at_install")
class TestSeatsOverThePlan(TransactionCase):
    """Users over the plan: billed on plans that bill extra users, refused
    (the grace, then suspension: saas_provisioning) on the others."""

    def test_plans_that_bill_extra_users_do_not_refuse_them(self):
        partner = self.env["res.partner"].create({"name": "Seats Co"})
        plan = create_plan(self.env, name="Seats", max_users=3, max_storage_mb=10)
        instance = create_instance(self.env, "seats-co", partner, plan, name="Seats Co")
        instance.write({"user_count": 5, "db_size_mb": 20.0})
        self.assertEqual(set(instance._over_limit_reasons()), {"users", "storage"})
        plan.write({"included_users": 3, "extra_user_price": 9.0})
        # the two extra users go on the next invoice; storage is still refused
        self.assertEqual(set(instance._over_limit_reasons()), {"storage"})
