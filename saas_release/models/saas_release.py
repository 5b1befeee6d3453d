"""A release: one code tree (an Odoo source and an addons path) served by
its own Odoo processes (its application server).  Each tenant is on one
release; templates are built per release."""
import os
import sys

import odoo
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import config


_ADDRESS_HELP = ("host:port of the Odoo processes that run this release's code (nginx's "
                 "upstream for its tenants; the processes carry it as [saas_router] "
                 "app_server). Empty: the default processes (those without app_server).")


class SaasRelease(models.Model):
    _name = "saas.release"
    _description = "SaaS Release (a code tree and its application server)"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    is_default = fields.Boolean(
        string="Default", tracking=True, copy=False,
        help="New instances and templates are on the default release.")
    odoo_src = fields.Char(
        string="Odoo Source", required=True, default=lambda self: self._master_odoo_src(),
        groups="base.group_system",
        help="Folder of the Odoo tree (the one holding odoo-bin or setup/odoo).")
    python = fields.Char(
        required=True, default=lambda self: sys.executable, groups="base.group_system",
        help="Python of the release's virtualenv.")
    addons_path = fields.Char(
        required=True, default=lambda self: config["addons_path"], groups="base.group_system",
        help="Comma-separated addons folders of this release (ours included).")
    git_ref = fields.Char(string="Git Ref", tracking=True,
                          help="The addons revision this release was made from (for people).")
    app_server = fields.Char(string="Application Server", tracking=True, help=_ADDRESS_HELP)
    instance_ids = fields.One2many("saas.instance", "release_id", string="Instances")
    instance_count = fields.Integer(compute="_compute_instance_count")
    template_ids = fields.One2many("saas.template", "release_id", string="Templates")

    _sql_constraints = [
        ("name_unique", "unique(name)", "A release name is used once."),
    ]

    @api.model
    def _master_odoo_src(self):
        return os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))

    def _compute_instance_count(self):
        counts = dict(self.env["saas.instance"]._read_group(
            [("release_id", "in", self.ids), ("state", "!=", "terminated")],
            ["release_id"], ["__count"]))
        for release in self:
            release.instance_count = counts.get(release, 0)

    @api.constrains("app_server")
    def _check_app_server(self):
        for release in self.filtered("app_server"):
            host, _sep, port = release.app_server.rpartition(":")
            if not host or not port.isdigit() or not all(
                    c.isalnum() or c in ".-" for c in host):
                raise ValidationError(_("The application server of %(name)s must be host:port "
                                        "(got %(value)r).", name=release.name,
                                        value=release.app_server))

    @api.constrains("is_default", "active")
    def _check_one_default(self):
        if self.search_count([("is_default", "=", True)]) > 1:
            raise ValidationError(_("Only one release is the default."))

    @api.model
    def _default_release(self):
        return self.search([("is_default", "=", True)], limit=1)

    def _program(self):
        """The code to run for this release (``odoo_cli`` / the smoke runner)."""
        self.ensure_one()
        rec = self.sudo()
        launcher = next((os.path.join(rec.odoo_src, name) for name in ("odoo-bin", "setup/odoo")
                         if os.path.isfile(os.path.join(rec.odoo_src, name))), None)
        if not launcher:
            raise UserError(_("Release %(name)s: no odoo-bin in %(src)s.",
                              name=rec.name, src=rec.odoo_src))
        return {"python": rec.python, "odoo_src": rec.odoo_src, "odoo_bin": launcher,
                "addons_path": rec.addons_path}

    def action_set_default(self):
        self.ensure_one()
        if not self.env.user.has_group("base.group_system"):
            raise UserError(_("Only system administrators choose the default release."))
        self.search([("is_default", "=", True)]).write({"is_default": False})
        self.is_default = True
        return True

    def action_new_rollout(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window", "res_model": "saas.release.rollout",
            "view_mode": "form", "name": _("Roll out %s", self.name),
            "context": {"default_release_id": self.id},
        }

    @api.model
    def _adopt_existing(self):
        """At install: every instance and template is on the default release."""
        release = self._default_release()
        if not release:
            return
        self.env["saas.template"].with_context(active_test=False).search(
            [("release_id", "=", False)]).write({"release_id": release.id})
        self.env["saas.instance"].search([("release_id", "=", False)])._write_state_machine(
            {"release_id": release.id})
