from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    saas_pool_size = fields.Integer(
        string="Warm Clones per Template",
        config_parameter="saas_provisioning.pool_size",
        help="Clones of each template in use made ahead, so that a signup only "
        "customises one (about half the provisioning time). Each is a database "
        "and, in the process that made it, a loaded registry.",
    )

    def set_values(self):
        super().set_values()
        # a new size is acted upon at once, not at the next cron
        self.env["saas.template"]._pool_schedule_fill()
