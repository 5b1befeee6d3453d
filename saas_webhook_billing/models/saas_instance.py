from odoo import models


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _webhook_data(self):
        """The trial is billing's: its end date joins the instance's
        description in every event."""
        data = super()._webhook_data()
        data["trial_end_date"] = self.trial_end_date or None
        return data
