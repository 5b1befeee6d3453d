from odoo import fields, models


class SaasInstanceLog(models.Model):
    _inherit = "saas.instance.log"

    # a push of the signing keys that failed for one instance
    operation = fields.Selection(selection_add=[("sso", "Single sign-on keys")],
                                 ondelete={"sso": "cascade"})
