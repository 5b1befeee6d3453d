from odoo import models


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
