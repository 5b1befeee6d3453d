from odoo import models


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _over_limit_reasons(self):
        """A plan that bills each user above its included ones (included
        users and an extra user price) bills the users the master counted
        over its limit on the next invoice (contract_line's extra-user
        line) rather than refusing them."""
        reasons = super()._over_limit_reasons()
        plan = self.plan_id
        if plan.included_users and plan.extra_user_price:
            reasons.pop("users", None)
        return reasons
