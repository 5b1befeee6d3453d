from odoo import fields, models


class ContractLine(models.Model):
    _inherit = "contract.line"

    # instance <-> contract line, both ways: the instance points at its
    # current line (contract_line_id), every line (predecessors included)
    # points at its instance.
    saas_instance_id = fields.Many2one("saas.instance", string="SaaS Instance",
                                       index="btree_not_null", ondelete="set null")
    saas_plan_id = fields.Many2one("saas.plan", string="SaaS Plan", ondelete="set null")

    def _saas_extra_user_vals(self, period_start, period_end):
        """Invoice line for the users above the plan's included users, from
        the last usage sweep (instance.user_count)."""
        self.ensure_one()
        plan = self.saas_plan_id
        instance = self.saas_instance_id
        if not (plan and instance and plan.included_users and plan.extra_user_price):
            return None
        extra = instance.user_count - plan.included_users
        if extra <= 0:
            return None
        return {
            "product_id": self.product_id.id,
            "name": self.env._(
                "%(sub)s: %(extra)s users above the %(included)s included "
                "(%(start)s - %(end)s)",
                sub=instance.subdomain, extra=extra, included=plan.included_users,
                start=period_start or "", end=period_end or "",
            ),
            "quantity": extra,
            "price_unit": plan.extra_user_price,
            "product_uom_id": self.uom_id.id,
            "contract_line_id": self.id,
            "display_type": "product",
        }
