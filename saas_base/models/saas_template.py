import re

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.saas_router.routing import template_db_prefix

_MODULE_NAME = re.compile(r"^[a-z0-9_]+$")


class SaasTemplate(models.Model):
    _name = "saas.template"
    _description = "SaaS Template Database"
    _inherit = ["mail.thread"]
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    server_id = fields.Many2one(
        "saas.server", string="Server", ondelete="restrict", tracking=True,
        help="Server on which the template database is built; instances "
        "are cloned from it on the same server.",
    )
    module_list = fields.Char(
        string="Modules",
        required=True,
        default="base,web",
        tracking=True,
        help="Comma separated technical names of the modules to install, "
        "e.g. base,web,portal.",
    )
    # System administrators only: the name of a database that clones are
    # made from is no business of SaaS managers or users.  Code that needs it
    # reads it sudo (_template_database()).
    database_name = fields.Char(
        readonly=True, copy=False, tracking=True, groups="base.group_system",
        help="Generated when a build starts: saas_tpl_<id>_<build number>.",
    )
    build_count = fields.Integer(readonly=True, copy=False)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("building", "Building"),
            ("ready", "Ready"),
            ("failed", "Failed"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    last_build_date = fields.Datetime(readonly=True, copy=False)
    size_mb = fields.Float(string="Size (MB)", readonly=True, copy=False, digits=(16, 1))
    plan_ids = fields.One2many("saas.plan", "template_id", string="Plans")
    plan_count = fields.Integer(compute="_compute_plan_count")

    def _placement_servers(self):
        """The servers a new instance of this template may be placed on (a
        clone is made from a template on its own server): this template's,
        and those of the ready templates of the same name and modules (the
        operator builds one per server).  None: no restriction (a template
        without a server)."""
        self.ensure_one()
        if not self.server_id:
            return None
        return (self | self._siblings()).server_id

    def _siblings(self):
        """Ready templates of the same name and modules on other servers."""
        self.ensure_one()
        return self.sudo().search([("name", "=", self.name), ("module_list", "=", self.module_list),
                                   ("state", "=", "ready"), ("id", "!=", self.id)])

    def _on_server(self, server):
        """This template, or its sibling built on ``server`` (itself when
        none is: the clone step then reports the missing template)."""
        self.ensure_one()
        if not server or self.server_id == server:
            return self
        return self._siblings().filtered(lambda t: t.server_id == server)[:1] or self

    @api.depends("plan_ids")
    def _compute_plan_count(self):
        for template in self:
            template.plan_count = len(template.plan_ids)

    @api.constrains("module_list")
    def _check_module_list(self):
        for template in self:
            bad = [m for m in template._modules() if not _MODULE_NAME.match(m)]
            if bad:
                raise ValidationError(
                    _(
                        "Invalid module technical name(s) in template %(template)s: %(names)s",
                        template=template.name,
                        names=", ".join(bad),
                    )
                )
            if not template._modules():
                raise ValidationError(_("A template needs at least one module."))

    def _modules(self):
        """The module list as a list of technical names, in order, deduplicated."""
        self.ensure_one()
        names = []
        for name in (self.module_list or "").split(","):
            name = name.strip()
            if name and name not in names:
                names.append(name)
        return names

    def _next_database_name(self):
        self.ensure_one()
        return f"{template_db_prefix()}{self.id}_{self.build_count + 1}"

    def action_build(self):
        building = self.filtered(lambda t: t.state == "building")
        if building:
            raise UserError(
                _("Template %(name)s is already being built.", name=building[0].name)
            )
        return self._hook_build()

    def _hook_build(self):
        """Start a build.  saas_provisioning overrides this to really build
        the database; base only records that a build was requested, so that
        the domain is usable (and testable) on its own."""
        for template in self:
            name = template._next_database_name()
            # the caller's rights decide whether it may build at all; only
            # the database name (system administrators' field) is set sudo
            template.write(
                {
                    "build_count": template.build_count + 1,
                    "state": "building",
                    "last_build_date": fields.Datetime.now(),
                }
            )
            template.sudo().write({"database_name": name})
            # the chatter is read by SaaS managers: no database name in it
            template.message_post(
                body=_("Build %(number)s requested with modules %(modules)s.",
                       number=template.build_count,
                       modules=", ".join(template._modules()))
            )
        return True

    def _template_database(self):
        """Name of the database instances are cloned from (False before the
        first build), whoever asks: the field is for system administrators."""
        self.ensure_one()
        return self.sudo().database_name

    def action_reset_draft(self):
        self.write({"state": "draft"})
        return True

    def _live_instances(self):
        """Instances that still depend on these templates (not terminated)."""
        return self.env["saas.instance"].sudo().with_context(active_test=False).search(
            [
                ("state", "!=", "terminated"),
                "|",
                ("template_id", "in", self.ids),
                ("plan_id.template_id", "in", self.ids),
            ]
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_use(self):
        live = self._live_instances()
        if live:
            raise UserError(
                _(
                    "This template cannot be deleted: it is used by plans with live "
                    "instances (%(instances)s). Terminate them or change their plan "
                    "first, or archive the template.",
                    instances=", ".join(live.mapped("subdomain")),
                )
            )
