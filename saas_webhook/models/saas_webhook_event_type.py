from odoo import fields, models


class SaasWebhookEventType(models.Model):
    _name = "saas.webhook.event.type"
    _description = "Webhook Event Type"
    _order = "sequence, code"

    code = fields.Char(required=True, help="Sent as the body's `type`, e.g. instance.active.")
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)

    _sql_constraints = [("code_unique", "unique(code)", "An event type code is unique.")]
