from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.saas_router.routing import base_domain, new_tenant_db_name

from ..tools import settings
from ..tools.subdomain import MAX_LENGTH as SUBDOMAIN_MAX_LENGTH
from ..tools.subdomain import InvalidSubdomain, check_subdomain, parse_reserved

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

# Fields of the state machine (see SaasInstance._state_machine_fields) are
# written only by code holding this object in its context, under this key.
# RPC callers can send any JSON context, never this very object: the gate is
# an identity check, so a context key alone opens nothing.
_STATE_MACHINE_KEY = "saas_base_state_machine"
_STATE_MACHINE_TOKEN = object()

STATE_COLORS = {
    "draft": 0,
    "provisioning": 4,
    "active": 10,
    "suspended": 2,
    "failed": 1,
    "terminated": 9,
}


class SaasInstance(models.Model):
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
    # validation
    # ------------------------------------------------------------------
    @api.model
    def _reserved_subdomains(self):
        return parse_reserved(settings.get(self.env, "saas_base.reserved_subdomains"))

    @api.model
    def _subdomain_max_length(self):
        # a DNS label's; the database name does not hold the subdomain
        return SUBDOMAIN_MAX_LENGTH

    @api.model
    def _check_subdomain_value(self, value):
        """Raise a ValidationError with the reason if ``value`` is refused."""
        try:
            check_subdomain(
                value, self._reserved_subdomains(), max_length=self._subdomain_max_length()
            )
        except InvalidSubdomain as exc:
            raise ValidationError(
                _("Invalid subdomain %(value)r: %(reason)s", value=value, reason=exc.reason)
            ) from None

    @api.constrains("subdomain")
    def _check_subdomain(self):
        for instance in self:
            self._check_subdomain_value(instance.subdomain)

    @api.model
    def _check_subdomain_available(self, subdomain, exclude_ids=()):
        """Raise a ValidationError if a live instance already uses it."""
        other = self.sudo().with_context(active_test=False).search_count(
            [
                ("id", "not in", list(exclude_ids)),
                ("state", "!=", "terminated"),
                ("subdomain", "=", subdomain),
            ],
            limit=1,
        )
        if other:
            raise ValidationError(
                _("The subdomain %(sub)r is already taken by another instance.", sub=subdomain)
            )

    @api.constrains("subdomain", "database_name", "state")
    def _check_unique_live(self):
        # The unique indexes are the real guarantee (they also stop two
        # transactions racing); this gives a readable message in the common
        # case.  create() and write() run it before touching the table, as
        # the index would otherwise answer first, with a raw SQL error.
        for instance in self.filtered(lambda i: i.state != "terminated" and i.subdomain):
            self._check_subdomain_available(instance.subdomain, exclude_ids=instance.ids)

    def _precheck_subdomain(self, subdomain, exclude_ids=()):
        if subdomain:
            self._check_subdomain_value(subdomain)
            self._check_subdomain_available(subdomain, exclude_ids)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        self._check_state_machine_create(vals_list)
        seen = set()
        for vals in vals_list:
            # The database name is given here, opaque, never typed (the state
            # machine alone may keep one: an imported tenant keeps its own).
            if not (self._in_state_machine() and vals.get("database_name")):
                vals["database_name"] = new_tenant_db_name()
            subdomain = vals.get("subdomain")
            if subdomain and vals.get("state", "draft") != "terminated":
                self._precheck_subdomain(subdomain)
                if subdomain in seen:
                    raise ValidationError(
                        _("The subdomain %(sub)r is already taken by another instance.",
                          sub=subdomain)
                    )
                seen.add(subdomain)
            if not vals.get("name"):
                partner = self.env["res.partner"].browse(vals.get("partner_id"))
                vals["name"] = (
                    partner.commercial_company_name or partner.name or vals.get("subdomain")
                )
        return super().create(vals_list)

    def write(self, vals):
        self._check_state_machine_write(vals)
        if not self._in_state_machine():
            # given at creation, never typed; the state machine alone names another
            # (saas_provisioning: a clone taken from the warm pool)
            vals.pop("database_name", None)
        if "subdomain" in vals:
            locked = self.filtered(
                lambda i: i.state != "draft" and i.subdomain != vals["subdomain"]
            )
            if locked:
                raise UserError(
                    _(
                        "The subdomain of instance %(name)s cannot be changed: it "
                        "left the draft state (its database and URL exist).",
                        name=locked[0].display_name,
                    )
                )
            changed = self.filtered(lambda i: i.subdomain != vals["subdomain"])
            if changed:
                if len(changed) > 1:
                    raise ValidationError(
                        _("Several instances cannot share the subdomain %(sub)r.",
                          sub=vals["subdomain"])
                    )
                self._precheck_subdomain(vals["subdomain"], exclude_ids=changed.ids)
        return super().write(vals)

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for instance, vals in zip(self, vals_list, strict=True):
            if "subdomain" not in (default or {}):
                vals["subdomain"] = f"{instance.subdomain}-copy"
        return vals_list

    @api.ondelete(at_uninstall=False)
    def _unlink_except_live(self):
        live = self.filtered(lambda i: i.state not in ("draft", "terminated", "failed"))
        if live:
            raise UserError(
                _(
                    "Instance %(name)s is %(state)s: terminate it before deleting it.",
                    name=live[0].display_name,
                    state=live[0]._state_label(live[0].state),
                )
            )

    # ------------------------------------------------------------------
    # state machine
    # ------------------------------------------------------------------
    @api.model
    def _state_machine_fields(self):
        """Fields that only the state machine writes (``_set_state`` and the
        code that calls ``_write_state_machine``).  Extend with super() |
        {...} to protect more (saas_provisioning: ``provision_step``)."""
        return {"state", "suspend_reason", "suspend_cause"}

    def _in_state_machine(self):
        return self.env.context.get(_STATE_MACHINE_KEY) is _STATE_MACHINE_TOKEN

    def _write_state_machine(self, vals):
        """Write ``vals``, which may hold state machine fields, bypassing the
        guard of write().  For server code only (private: not reachable over
        RPC); it checks no transition, use ``_set_state`` to move ``state``.
        Nested calls made while writing see the permission too."""
        return self.with_context(
            **{_STATE_MACHINE_KEY: _STATE_MACHINE_TOKEN}
        ).write(vals)

    @api.model
    def _create_state_machine(self, vals_list):
        """Create instances directly in the given states (demo data, tests,
        imports of existing tenants).  Server code only, like
        ``_write_state_machine``; the records come back without the
        permission in their context."""
        records = self.with_context(
            **{_STATE_MACHINE_KEY: _STATE_MACHINE_TOKEN}
        ).create(vals_list)
        return records.with_env(self.env)

    def _state_machine_refusal(self, fnames):
        return AccessError(
            _(
                "The field(s) %(fields)s of SaaS instances are written by the state "
                "machine only: use the instance's actions (provision, suspend, "
                "reactivate, terminate) instead of writing them.",
                fields=", ".join(sorted(fnames)),
            )
        )

    def _state_machine_initial_value(self, fname):
        """The only value a new record may get for a state machine field
        outside the state machine: the field's own default (``draft``)."""
        field = self._fields[fname]
        return field.default(self) if field.default else False

    def _check_state_machine_create(self, vals_list):
        if self._in_state_machine():
            return
        protected = self._state_machine_fields()
        context = self.env.context
        refused = set()
        for vals in vals_list:
            for fname in protected:
                initial = self._state_machine_initial_value(fname)
                if fname in vals:
                    value = vals[fname]
                elif f"default_{fname}" in context:
                    # create() would apply context defaults: same rule
                    value = context[f"default_{fname}"]
                else:
                    # nor may a user default (ir.default) put anything else
                    vals[fname] = initial
                    continue
                if value != initial and (value or initial):
                    refused.add(fname)
        if refused:
            raise self._state_machine_refusal(refused)

    def _check_state_machine_write(self, vals):
        if self._in_state_machine():
            return
        refused = self._state_machine_fields() & set(vals)
        if refused:
            raise self._state_machine_refusal(refused)

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

    # Actions (buttons and API).  Each checks the move first, so a hook is
    # never run for a transition that would be refused, then delegates the
    # work to a hook that saas_provisioning overrides.
    def _check_action_access(self):
        """Portal customers may read their instances (record rule) and these
        methods are public, so JSON-RPC reaches them; hooks act outside the
        transaction (the tenant's settings are written over SQL) before an ORM
        write would be refused.  Check write access first (a no-op in sudo,
        so jobs and crons are unaffected)."""
        self.check_access("write")

    def action_provision(self):
        self._check_action_access()
        self._check_transition("provisioning")
        for instance in self.filtered(lambda i: not i.server_id):
            server = self.env["saas.server"]._pick_for_new_instance(
                instance.template_id or instance.plan_id.template_id)
            if not server:
                raise UserError(
                    _("No server is up with free capacity for instance %(name)s.",
                      name=instance.display_name)
                )
            instance.server_id = server
        return self._hook_provision()

    def action_suspend(self, reason=None, cause="manual"):
        """Suspend, saying why (``reason``, shown to the customer) and what
        did it (``cause``, one of ``suspend_cause``'s values)."""
        self._check_action_access()
        self._check_transition("suspended")
        self._write_state_machine({"suspend_reason": reason or False,
                                   "suspend_cause": cause or "manual"})
        return self._hook_suspend(reason)

    def action_reactivate(self):
        self._check_action_access()
        self._check_transition("active")
        # provisioning -> active is the provisioning's own move, not a
        # reactivation: only suspended instances can be reactivated.
        wrong = self.filtered(lambda i: i.state != "suspended")
        if wrong:
            raise UserError(
                _(
                    "Instance %(name)s cannot be reactivated from %(old)s to %(new)s: "
                    "only suspended instances can.",
                    name=wrong[0].display_name,
                    old=wrong[0]._state_label(wrong[0].state),
                    new=wrong[0]._state_label("active"),
                )
            )
        return self._hook_reactivate()

    def action_terminate(self):
        return self._terminate()

    def _terminate(self, waived=frozenset()):
        """Terminate unless a check refuses it (``_check_can_terminate``);
        ``waived`` names the checks a SaaS manager waived (saas_backup:
        ``"backup"``).  Private: RPC reaches only ``action_terminate``."""
        self._check_action_access()
        self._check_transition("terminated")
        self._check_can_terminate(waived)
        return self._hook_terminate()

    def _check_can_terminate(self, waived=frozenset()):
        """Hook: raise UserError to refuse a termination (saas_backup:
        without a recent backup), unless its name is in ``waived``."""
        return True

    def action_fail(self, message=None):
        self._check_action_access()
        return self._set_state("failed", message)

    def action_mark_failed(self):
        return self.action_fail()

    def _hook_provision(self):
        """Create the tenant.  Base alone only walks the state machine."""
        self._set_state("provisioning")
        self._set_state("active")
        return True

    def _hook_suspend(self, reason=None):
        self._set_state("suspended", reason)
        return True

    def _hook_reactivate(self):
        self._set_state("active")
        return True

    def _hook_terminate(self):
        self._set_state("terminated")
        return True

    def action_open_url(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self.url, "target": "new"}
