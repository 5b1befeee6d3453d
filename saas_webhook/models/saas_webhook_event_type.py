from odoo import fields, models


class SaasWebhookEventType(models.Model):
    _name = "saas.webhook.event.type"
    _description = "Webhook Event Type"
    _order = "sequence, code"

    code = fields.Char(required=True, help="Sent as the body's `type`, e.g. instance.active.")
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    record_data = fields.Boolean(
        string="Record's description", default=True,
        help="The data of an event sent through saas.events is the record's own "
        "description (its _webhook_data) plus what the emitting addon adds; "
        "off: only what the emitting addon gives.")

    _sql_constraints = [("code_unique", "unique(code)", "An event type code is unique.")]
