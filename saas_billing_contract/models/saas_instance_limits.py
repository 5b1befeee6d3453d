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

    def _billing_push_limits(self):
        """Write the plan's limits into the tenant now (not at next reactivation)."""
        for instance in self.filtered(lambda i: i.state in ("active", "suspended")
                                      and i.server_id and i.database_name):
            settings = instance._tenant_settings()
            instance._tenant_db().write_settings(
                {key: settings[key] for key in ("max_users", "max_storage_mb")})
