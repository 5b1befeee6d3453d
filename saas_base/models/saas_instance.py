from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.saas_router.routing import base_domain

from ..tools import settings

# PostgreSQL truncates identifiers beyond 63 bytes: two long subdomains would
# silently share one database.  The subdomain is limited accordingly.

STATES = [
    ("draft", "Draft"),
    ("provisioning", "Provisioning"),
    ("active", "Active"),
    ("suspended", "Suspended"),
    ("terminated", "Terminated"),
    ("failed", "Failed"),
]

# The only moves an instance may make.  Everything else is refused by
# _set_state(), whoever asks (UI button, RPC, another addon, a job).
ALLOWED_TRANSITIONS = {
    "draft": {"provisioning", "terminated"},
    "provisioning": {"active", "failed"},
    "active": {"suspended", "terminated"},
    "suspended": {"active", "terminated"},
    "failed": {"provisioning", "terminated"},
    "terminated": set(),
}

STATE_COLORS = {
    "draft": 0,
    "provisioning": 4,
    "active": 10,
    "suspended": 2,
    "failed": 1,
    "terminated": 9,
}


class SaasInstance(models.Model):
    """A tenant: its fields and its state machine (ALLOWED_TRANSITIONS, one
    writer: ``_set_state``).  Beside it: _guard (who may write the state
    machine's fields), _crud (subdomain checks, create, write, delete),
    _actions (the buttons and API, their hooks, ``_live``)."""
    _name = "saas.instance"
    _description = "SaaS Instance"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _rec_names_search = ["name", "subdomain"]

    ALLOWED_TRANSITIONS = ALLOWED_TRANSITIONS

    name = fields.Char(string="Company Name", required=True, tracking=True)
    subdomain = fields.Char(
        required=True,
        tracking=True,
        copy=False,
        help="Lowercase letters, digits and hyphens; the instance is served at "
        "<subdomain>.<base domain>. Cannot be changed once provisioned.",
    )
    database_name = fields.Char(
        readonly=True,
        copy=False,
        help="An opaque name given at creation (or the name of the warm clone the "
        "instance was given), never the subdomain: every tenant can list the "
        "databases' names. Never typed.",
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, tracking=True
    )
    plan_id = fields.Many2one(
        "saas.plan",
        string="Plan",
        ondelete="restrict",
        index=True,
        tracking=True,
        default=lambda self: self._default_plan(),
    )
    template_id = fields.Many2one(
        "saas.template",
        string="Template",
        compute="_compute_template_id",
        store=True,
        readonly=False,
        ondelete="set null",
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        index=True,
        tracking=True,
        help="Account manager of this instance (used by the 'My instances' filter).",
    )
    server_id = fields.Many2one(
        "saas.server", string="Server", ondelete="restrict", index=True, tracking=True
    )
    state = fields.Selection(
        STATES, default="draft", required=True, readonly=True, copy=False, index=True
    )
    color = fields.Integer(compute="_compute_color")
    suspend_reason = fields.Char(
        readonly=True, copy=False, tracking=True,
        help="Why the instance is suspended (the customer reads it in its tenant).")
    suspend_cause = fields.Selection(
        [("manual", "By an operator")], readonly=True, copy=False,
        help="What suspended the instance; addons add their causes (billing, plan limits).")
    expiry_date = fields.Date(tracking=True, copy=False)
    url = fields.Char(string="URL", compute="_compute_url")
    admin_login = fields.Char(
        compute="_compute_admin_login", store=True, readonly=False,
        help="Login of the tenant's administrator (the customer's email by default).",
    )
    user_count = fields.Integer(string="Users", readonly=True, copy=False)
    db_size_mb = fields.Float(
        string="Database Size (MB)", readonly=True, copy=False, digits=(16, 1)
    )
    filestore_size_mb = fields.Float(
        string="Filestore Size (MB)", readonly=True, copy=False, digits=(16, 1)
    )
    usage_date = fields.Datetime(string="Usage Measured On", readonly=True, copy=False)

    def init(self):
        # Partial unique indexes: a terminated instance frees its subdomain
        # and database name; among the others, the database itself refuses
        # duplicates, including two creations racing in parallel
        # transactions that the Python check cannot see.
        for column in ("subdomain", "database_name"):
            self.env.cr.execute(
                f"CREATE UNIQUE INDEX IF NOT EXISTS saas_instance_{column}_live_uniq "
                f"ON saas_instance ({column}) WHERE state != 'terminated'"
            )

    # ------------------------------------------------------------------
    # defaults and computes
    # ------------------------------------------------------------------
    @api.model
    def _default_plan(self):
        return self.env["saas.plan"].browse(
            settings.get(self.env, "saas_base.default_plan_id")).exists()

    @api.depends("plan_id")
    def _compute_template_id(self):
        for instance in self:
            if instance.plan_id.template_id:
                instance.template_id = instance.plan_id.template_id

    @api.depends("partner_id")
    def _compute_admin_login(self):
        for instance in self:
            if not instance.admin_login and instance.partner_id.email:
                instance.admin_login = instance.partner_id.email

    @api.depends("state")
    def _compute_color(self):
        for instance in self:
            instance.color = STATE_COLORS.get(instance.state, 0)

    @api.model
    def _url_settings(self):
        """(scheme, host[:port]) of the tenants' URLs: <sub>.<host[:port]>."""
        return (settings.get(self.env, "saas_base.url_scheme"),
                settings.public_domain(base_domain(),
                                       settings.get(self.env, "saas_base.url_port")))

    @api.depends("subdomain")
    def _compute_url(self):
        scheme, domain = self._url_settings()
        for instance in self:
            instance.url = (
                f"{scheme}://{instance.subdomain}.{domain}" if instance.subdomain else False
            )

    # ------------------------------------------------------------------
    # state machine
    # ------------------------------------------------------------------
    def _state_label(self, state):
        return dict(self._fields["state"]._description_selection(self.env)).get(state, state)

    def _check_transition(self, new_state):
        for instance in self:
            if new_state not in ALLOWED_TRANSITIONS.get(instance.state, ()):
                raise UserError(
                    _(
                        "Instance %(name)s cannot go from %(old)s to %(new)s.",
                        name=instance.display_name,
                        old=instance._state_label(instance.state),
                        new=instance._state_label(new_state),
                    )
                )

    def _set_state(self, new_state, message=None):
        """Move to ``new_state`` if ALLOWED_TRANSITIONS permits it, else raise.

        The check covers the whole recordset before anything is written, so a
        refused record leaves the others untouched too.  Addons react in
        ``_on_state_changed``, not by overriding this.
        """
        self._check_transition(new_state)
        old_states = {instance.id: instance.state for instance in self}
        for instance in self:
            old_state = instance.state
            vals = {"state": new_state}
            if new_state != "suspended" and instance.suspend_cause:
                vals.update(suspend_reason=False, suspend_cause=False)
            instance._write_state_machine(vals)
            body = _(
                "State: %(old)s → %(new)s",
                old=instance._state_label(old_state),
                new=instance._state_label(new_state),
            )
            if message:
                body = f"{body}. {message}"
            instance.message_post(body=body, subtype_xmlid="mail.mt_note")
        self._on_state_changed(old_states, new_state, message)
        return True

    def _on_state_changed(self, old_states, new_state, message=None):
        """Hook: ``self`` just moved to ``new_state``; ``old_states`` is
        {instance id: state before}.  Addons extend it with super()."""
        return None
