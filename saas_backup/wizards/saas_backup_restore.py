from odoo import _, fields, models
from odoo.exceptions import UserError


class SaasBackupRestore(models.TransientModel):
    _name = "saas.backup.restore"
    _description = "Restore a tenant backup"

    backup_id = fields.Many2one("saas.backup", required=True, readonly=True)
    instance_id = fields.Many2one(related="backup_id.instance_id")
    mode = fields.Selection(
        [("copy", "Into a new instance (neutralised copy: no mail, no crons)"),
         ("in_place", "In place (replaces the instance's data after a safety backup)")],
        required=True, default="copy")
    subdomain = fields.Char(help="Subdomain of the new instance.")
    name = fields.Char(string="Company Name")
    confirmation = fields.Char(help="Type the instance's subdomain to confirm an in-place "
                                    "restore.")

    def action_restore(self):
        self.ensure_one()
        self.instance_id._check_action_access()
        backup = self.backup_id
        if self.mode == "copy":
            if not self.subdomain:
                raise UserError(_("Choose the subdomain of the new instance."))
            copy = self.env["saas.instance"]._restore_copy(backup, self.subdomain.strip().lower(),
                                                           self.name)
            return {"type": "ir.actions.act_window", "res_model": "saas.instance",
                    "res_id": copy.id, "view_mode": "form"}
        if (self.confirmation or "").strip() != self.instance_id.subdomain:
            raise UserError(_("Type the subdomain %s to confirm: the instance's current data "
                              "will be replaced.", self.instance_id.subdomain))
        self.instance_id._restore_in_place(backup)
        return {"type": "ir.actions.act_window_close"}
