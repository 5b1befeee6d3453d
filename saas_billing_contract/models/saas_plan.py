from odoo import _, api, fields, models

# saas.plan periods -> OCA contract recurrence
PERIOD_RULE = {"monthly": "monthly", "yearly": "yearly"}


class SaasPlan(models.Model):
    _inherit = "saas.plan"

    product_id = fields.Many2one(
        "product.product",
        string="Service Product",
        ondelete="restrict",
        domain=[("type", "=", "service")],
        tracking=True,
        help="Product of the contract lines and invoice lines of this plan; "
        "created from the plan when left empty.",
    )
    trial_days = fields.Integer(default=0, tracking=True)
    included_users = fields.Integer(
        help="Internal users covered by the plan price; more are billed per user "
        "(0: no per-user billing).",
    )
    extra_user_price = fields.Monetary(
        currency_field="currency_id",
        help="Price of each user above the included ones, per period.",
    )

    _sql_constraints = [
        ("trial_days_positive", "CHECK(trial_days >= 0)", "Trial days cannot be negative."),
        ("included_users_positive", "CHECK(included_users >= 0)",
         "Included users cannot be negative."),
        ("extra_user_price_positive", "CHECK(extra_user_price >= 0)",
         "The extra user price cannot be negative."),
    ]

    def _recurring_rule_type(self):
        self.ensure_one()
        return PERIOD_RULE[self.period]

    def _billing_product(self):
        """The plan's service product, created on first use."""
        self.ensure_one()
        if not self.product_id:
            self.sudo().product_id = self.env["product.product"].sudo().create({
                "name": _("SaaS plan %s", self.name),
                "type": "service",
                "list_price": self.price,
                "sale_ok": True,
                "purchase_ok": False,
            })
        return self.product_id

    @api.model_create_multi
    def create(self, vals_list):
        plans = super().create(vals_list)
        for plan in plans.filtered(lambda p: p.price):
            plan._billing_product()
        return plans
