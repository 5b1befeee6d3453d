from odoo import api, fields, models


class SaasInstanceLog(models.Model):
    _inherit = "saas.instance.log"

    operation = fields.Selection(
        selection_add=[("backup", "Backup"), ("restore", "Restore")],
        ondelete={"backup": "cascade", "restore": "cascade"})
    backup_id = fields.Many2one("saas.backup", index="btree_not_null", ondelete="set null")

    @api.model_create_multi
    def create(self, vals_list):
        # saas.backup logs through the instance's _log (one log per instance)
        backup_id = self.env.context.get("saas_backup_log_backup_id")
        if backup_id:
            for vals in vals_list:
                vals.setdefault("backup_id", backup_id)
        return super().create(vals_list)
