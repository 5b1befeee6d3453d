from odoo import fields, models


class SaasInstanceLog(models.Model):
    _inherit = "saas.instance.log"

    # what the billing crons do besides suspending and terminating (trial
    # reminders), when it fails for one instance
    operation = fields.Selection(selection_add=[("billing", "Billing")],
                                 ondelete={"billing": "cascade"})
