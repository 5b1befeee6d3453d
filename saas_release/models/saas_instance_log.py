from odoo import fields, models


class SaasInstanceLog(models.Model):
    _inherit = "saas.instance.log"

    operation = fields.Selection(selection_add=[("release", "Release")],
                                 ondelete={"release": "cascade"})
