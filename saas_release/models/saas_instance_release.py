"""Each instance is on one release; the route map says which application
server (the release's processes) serves its hosts."""
from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

RELEASE_CHANNEL = "root.saas_release"


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    release_id = fields.Many2one(
        "saas.release", string="Release", readonly=True, copy=False, tracking=True,
        ondelete="restrict", index=True, groups="saas_base.group_saas_user",
        default=lambda self: self.env["saas.release"]._default_release().id,
        help="The code this instance runs on; changed by a promotion only.")
    rehearsal_ids = fields.One2many("saas.release.rehearsal", "instance_id",
                                    string="Rehearsals", groups="saas_base.group_saas_user")
    release_update_ids = fields.One2many("saas.release.update", "instance_id",
                                         string="Release Updates",
                                         groups="saas_base.group_saas_user")
    last_rehearsal_date = fields.Datetime(readonly=True, copy=False)
    last_rehearsal_state = fields.Selection(
        [("passed", "Passed"), ("failed", "Failed")], readonly=True, copy=False)
    last_rehearsal_release_id = fields.Many2one("saas.release", readonly=True, copy=False,
                                                groups="saas_base.group_saas_user")

    def _state_machine_fields(self):
        return super()._state_machine_fields() | {"release_id"}

    @api.model_create_multi
    def create(self, vals_list):
        instances = super().create(vals_list)
        # an instance is born on its template's release (its database is a
        # clone of that release's build)
        for instance in instances.sudo():
            release = instance.template_id.release_id
            if release and instance.release_id != release:
                instance._write_state_machine({"release_id": release.id})
        return instances

    def _route_rows(self):
        rows = super()._route_rows()
        address = self.sudo().release_id.app_server or None
        return [dict(row, app_server=address) if row.get("database_name") else row
                for row in rows]

    def _release_arg(self, release):
        """A release record from an action's argument (an id over RPC);
        moving instances between releases is for SaaS managers."""
        if not self.env.user.has_group("saas_base.group_saas_manager"):
            raise AccessError(_("Only a SaaS manager may rehearse or promote a release."))
        if isinstance(release, models.BaseModel):
            return release
        return self.env["saas.release"].browse(int(release or 0)).exists()

    def _check_release_target(self, release):
        self.ensure_one()
        self = self.sudo()  # noqa: PLW0642 (managers only: _release_arg checked it)
        if not release:
            raise UserError(_("Choose a release."))
        if self.state not in ("active", "suspended"):
            raise UserError(_("%(name)s is %(state)s: only active or suspended instances move "
                              "to another release.", name=self.display_name,
                              state=self._state_label(self.state)))
        if release == self.release_id:
            raise UserError(_("%(name)s is on %(release)s already.", name=self.display_name,
                              release=release.name))

    def _set_release(self, release):
        """The route switch: the instance's release, then its routes (the
        map sends its hosts to that release's processes)."""
        self._write_state_machine({"release_id": release.id})
        self._publish_routes()
