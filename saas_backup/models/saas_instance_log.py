from odoo import fields, models


class SaasInstanceLog(models.Model):
    _inherit = "saas.instance.log"

    operation = fields.Selection(
        selection_add=[("backup", "Backup"), ("restore", "Restore")],
        ondelete={"backup": "cascade", "restore": "cascade"})
    backup_id = fields.Many2one("saas.backup", index="btree_not_null", ondelete="set null")
