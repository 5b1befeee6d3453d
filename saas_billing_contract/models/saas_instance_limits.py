from odoo import models

from odoo.addons.saas_router import tenant_contract


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
        self._live()._push_tenant_settings(
            keys=(tenant_contract.MAX_USERS, tenant_contract.MAX_STORAGE_MB))
