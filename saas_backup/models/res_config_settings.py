from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    saas_backup_storage_id = fields.Many2one(
        "saas.backup.storage", string="Backup Storage",
        config_parameter="saas_backup.storage_id",
        help="Where every instance is backed up; none: backups are not configured.")
    saas_backup_keep_daily = fields.Integer(string="Daily Backups Kept",
                                            config_parameter="saas_backup.keep_daily")
    saas_backup_keep_weekly = fields.Integer(string="Weekly Backups Kept",
                                             config_parameter="saas_backup.keep_weekly")
    saas_backup_keep_monthly = fields.Integer(string="Monthly Backups Kept",
                                              config_parameter="saas_backup.keep_monthly")
    saas_backup_keep_latest = fields.Integer(string="Latest Backups Kept",
                                             config_parameter="saas_backup.keep_latest")
    saas_backup_drill_sample = fields.Integer(string="Restore Drills per Run",
                                              config_parameter="saas_backup.drill_sample")
    saas_backup_require_before_terminate = fields.Boolean(
        string="Require a Recent Backup to Terminate",
        config_parameter="saas_backup.require_before_terminate")
    saas_backup_terminate_max_age_hours = fields.Integer(
        string="Recent Means (hours)",
        config_parameter="saas_backup.terminate_max_age_hours")
