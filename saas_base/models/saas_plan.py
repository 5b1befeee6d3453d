from odoo import api, fields, models


class SaasPlan(models.Model):
    _name = "saas.plan"
    _description = "SaaS Plan"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    template_id = fields.Many2one(
        "saas.template", string="Template", ondelete="set null", tracking=True
    )
    max_users = fields.Integer(
        default=1, tracking=True, help="Internal users allowed in the instance; 0 means no limit."
    )
    max_storage_mb = fields.Integer(
        string="Max Storage (MB)", default=1024, tracking=True,
        help="Database and filestore together; 0 means no limit.",
    )
    trial_days = fields.Integer(default=0, tracking=True)
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    price = fields.Monetary(currency_field="currency_id", tracking=True)
    period = fields.Selection(
        [("monthly", "Monthly"), ("yearly", "Yearly")],
        default="monthly",
        required=True,
        tracking=True,
    )
    published = fields.Boolean(
        tracking=True, help="Shown to customers (portal, sign-up and pricing pages)."
    )
    description = fields.Html(translate=True)
    instance_ids = fields.One2many("saas.instance", "plan_id", string="Instances")
    instance_count = fields.Integer(compute="_compute_instance_count")

    _sql_constraints = [
        ("max_users_positive", "CHECK(max_users >= 0)", "The user limit cannot be negative."),
        (
            "max_storage_positive",
            "CHECK(max_storage_mb >= 0)",
            "The storage limit cannot be negative.",
        ),
        ("trial_days_positive", "CHECK(trial_days >= 0)", "Trial days cannot be negative."),
        ("price_positive", "CHECK(price >= 0)", "The price cannot be negative."),
    ]

    @api.depends("instance_ids.state")
    def _compute_instance_count(self):
        groups = self.env["saas.instance"].sudo()._read_group(
            [("plan_id", "in", self.ids), ("state", "!=", "terminated")],
            ["plan_id"],
            ["__count"],
        )
        counts = {plan.id: count for plan, count in groups}
        for plan in self:
            plan.instance_count = counts.get(plan.id, 0)

    def action_view_instances(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("saas_base.saas_instance_action")
        action["domain"] = [("plan_id", "=", self.id)]
        action["context"] = {"default_plan_id": self.id}
        return action
