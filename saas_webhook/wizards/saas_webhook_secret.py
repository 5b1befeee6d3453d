from odoo import api, fields, models


class SaasWebhookSecret(models.TransientModel):
    """Shows a new secret once; the row is deleted as soon as it is closed
    (and the transient vacuum removes any left behind)."""

    _name = "saas.webhook.secret"
    _description = "Webhook Secret (shown once)"

    endpoint_id = fields.Many2one("saas.webhook.endpoint", required=True, ondelete="cascade")
    secret = fields.Char(readonly=True)

    def action_close(self):
        self.unlink()
        return {"type": "ir.actions.act_window_close"}

    @api.autovacuum
    def _gc_shown(self):
        self.search([("create_date", "<", fields.Datetime.subtract(fields.Datetime.now(),
                                                                   minutes=10))]).unlink()
