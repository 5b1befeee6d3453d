from odoo import models


class SaasPlan(models.Model):
    _inherit = "saas.plan"

    def write(self, vals):
        res = super().write(vals)
        if "max_connections" in vals:
            # the new limit on the role of every instance of these plans
            self.with_context(active_test=False).instance_ids._apply_connection_limit()
        return res
