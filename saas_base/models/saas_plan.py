from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# The fewest sessions a tenant's role must be allowed at once (CONNECTION
# LIMIT) for the master's own work as that role to fit beside one session of
# the tenant's: the master's jobs on one tenant may overlap (a module update
# on root.saas, a backup or restore on root.saas_backup, a usage count of the
# cron), one session each at a time (`odoo -u` included: measured in
# tests/test_watchdog.py).  Each Odoo process that serves the tenant (HTTP
# worker, cron, job runner) keeps sessions of the tenant in its pool for up
# to 10 minutes: size the plans' limit for the deployment's processes.
MIN_TENANT_CONNECTIONS = 4


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
    max_connections = fields.Integer(
        string="Max Connections", default=0, tracking=True,
        help="PostgreSQL sessions the instance's role may hold at once (its CONNECTION "
             "LIMIT), the master's own sessions as the instance included; 0 means no "
             f"limit, otherwise at least {MIN_TENANT_CONNECTIONS}.",
    )
    max_query_seconds = fields.Integer(
        string="Max Query Time (s)", default=0, tracking=True,
        help="A transaction of the instance running longer than this (active or idle in "
             "it) is ended by the watchdog (every minute); the master's backups, restores "
             "and module updates are exempt. 0 means no limit.",
    )
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
        ("price_positive", "CHECK(price >= 0)", "The price cannot be negative."),
        (
            "max_query_seconds_positive",
            "CHECK(max_query_seconds >= 0)",
            "The query time limit cannot be negative.",
        ),
    ]

    @api.constrains("max_connections")
    def _check_max_connections(self):
        for plan in self:
            if plan.max_connections and plan.max_connections < MIN_TENANT_CONNECTIONS:
                raise ValidationError(_(
                    "Plan %(plan)s: the connection limit must be 0 (no limit) or at least "
                    "%(min)s: the master's own work as the instance's role (module updates, "
                    "backups, restores) needs %(master)s sessions beside the instance's own.",
                    plan=plan.name, min=MIN_TENANT_CONNECTIONS,
                    master=MIN_TENANT_CONNECTIONS - 1))

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
