from odoo import api, fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    saas_instance_id = fields.Many2one(
        "saas.instance", string="SaaS Instance", compute="_compute_saas_instance_id",
        store=True, index="btree_not_null",
        help="The instance this line bills (from its contract line).")
    saas_adjustment_id = fields.Many2one("saas.billing.adjustment", index="btree_not_null",
                                         ondelete="set null", copy=False)

    @api.depends("contract_line_id.saas_instance_id")
    def _compute_saas_instance_id(self):
        for line in self:
            line.saas_instance_id = line.contract_line_id.saas_instance_id
