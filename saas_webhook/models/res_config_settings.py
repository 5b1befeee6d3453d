from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    saas_webhook_allow_private_urls = fields.Boolean(
        string="Webhooks to private networks",
        config_parameter="saas_webhook.allow_private_urls",
        help="Allow endpoints resolving to private, loopback or link-local addresses "
        "(receivers inside your own network). Off: such URLs are refused (SSRF guard).")
    saas_webhook_timeout_seconds = fields.Integer(
        string="Webhook timeout (s)", config_parameter="saas_webhook.timeout_seconds",
        default=10)
    saas_webhook_disable_after_hours = fields.Integer(
        string="Disable failing endpoints after (hours)",
        config_parameter="saas_webhook.disable_after_hours", default=72)
