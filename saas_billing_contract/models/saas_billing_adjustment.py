from odoo import api, fields, models


class SaasBillingAdjustment(models.Model):
    """A one-off amount (credit or charge) waiting for an invoice.

    OCA contract only knows recurring lines; a plan change produces one-off
    amounts (credit for the unused part of the old plan, pro rata charge of
    the new one).  They wait here and are added to the instance's next
    contract invoice, or invoiced at once (setting)."""

    _name = "saas.billing.adjustment"
    _description = "SaaS Billing Adjustment"
    _order = "id"

    instance_id = fields.Many2one("saas.instance", required=True, index=True,
                                  ondelete="cascade")
    contract_line_id = fields.Many2one("contract.line", required=True, ondelete="cascade")
    plan_change_id = fields.Many2one("saas.plan.change", index="btree_not_null",
                                     ondelete="set null", readonly=True,
                                     help="The plan change that made it.")
    name = fields.Char(string="Description", required=True)
    date = fields.Date(required=True)
    amount = fields.Float(required=True, digits="Product Price")
    move_line_ids = fields.One2many("account.move.line", "saas_adjustment_id",
                                    string="Invoice Lines")
    invoiced = fields.Boolean(compute="_compute_invoiced", store=True)

    @api.depends("move_line_ids")
    def _compute_invoiced(self):
        for adjustment in self:
            adjustment.invoiced = bool(adjustment.move_line_ids)

    def _invoice_line_vals(self):
        self.ensure_one()
        line = self.contract_line_id
        return {
            "product_id": line.product_id.id,
            "name": self.name,
            "quantity": 1.0,
            "price_unit": self.amount,
            "product_uom_id": line.uom_id.id,
            "contract_line_id": line.id,
            "saas_adjustment_id": self.id,
            "display_type": "product",
        }
