from odoo import api, models

from .saas_instance import PLAN_CHANGE_KEY


class ContractLine(models.Model):
    _inherit = "contract.line"

    def _webhook_data(self):
        self.ensure_one()
        return {
            "instance_id": self.saas_instance_id.id,
            "subdomain": self.saas_instance_id.subdomain,
            "contract_id": self.contract_id.id,
            "contract_line_id": self.id,
            "plan": {"id": self.saas_plan_id.id, "name": self.saas_plan_id.name}
            if self.saas_plan_id else None,
            "price": self.price_unit,
            "currency": self.currency_id.name,
            "recurrence": self.recurring_rule_type,
            "date_start": self.date_start,
            "date_end": self.date_end or None,
            "canceled": self.is_canceled,
        }

    def _webhook_subscription_lines(self):
        if self.env.context.get(PLAN_CHANGE_KEY):
            return self.browse()
        return self.filtered(lambda line: line.saas_instance_id)

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        Event = self.env["saas.webhook.event"]
        for line in lines._webhook_subscription_lines().filtered(
                lambda line: not line.predecessor_contract_line_id):
            Event._emit("subscription.started", line)
        return lines

    def write(self, vals):
        watched = ("date_end" in vals or "is_canceled" in vals)
        before = {}
        if watched:
            before = {line.id: (line.date_end, line.is_canceled)
                      for line in self._webhook_subscription_lines()}
        res = super().write(vals)
        if before:
            Event = self.env["saas.webhook.event"]
            for line in self.filtered(lambda line: line.id in before):
                old_end, old_canceled = before[line.id]
                if (line.is_canceled and not old_canceled) or (
                        line.date_end and not old_end and not line.is_canceled):
                    Event._emit("subscription.cancelled", line)
        return res
