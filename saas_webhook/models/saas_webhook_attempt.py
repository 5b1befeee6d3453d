from odoo import fields, models


class SaasWebhookAttempt(models.Model):
    """The log: one row per HTTP attempt (never the signature)."""

    _name = "saas.webhook.attempt"
    _description = "Webhook Delivery Attempt"
    _order = "id desc"
    _rec_name = "date"

    delivery_id = fields.Many2one("saas.webhook.delivery", required=True, ondelete="cascade",
                                  index=True, readonly=True)
    endpoint_id = fields.Many2one(related="delivery_id.endpoint_id", store=True)
    event_id = fields.Many2one(related="delivery_id.event_id", store=True)
    date = fields.Datetime(required=True, readonly=True)
    url = fields.Char(string="URL", readonly=True)
    request_headers = fields.Text(readonly=True)
    status_code = fields.Integer(string="Response Code", readonly=True)
    response_body = fields.Text(readonly=True, help="First 2,000 characters.")
    error = fields.Char(readonly=True)
    duration_ms = fields.Integer(string="Duration (ms)", readonly=True)
    result = fields.Selection(
        [("done", "Delivered"), ("retry", "Will retry"), ("failed", "Failed")], readonly=True)
    next_attempt_date = fields.Datetime(string="Next Retry", readonly=True)
