from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    saas_webhook_allow_private_urls = fields.Boolean(
        string="Webhooks to private networks",
        config_parameter="saas_webhook.allow_private_urls",
        help="Allow endpoints resolving to private, loopback or link-local addresses "
        "(receivers inside your own network). Off: such URLs are refused (SSRF guard).")
    saas_webhook_timeout_seconds = fields.Integer(
        string="Webhook timeout (s)", config_parameter="saas_webhook.timeout_seconds")
    saas_webhook_disable_after_hours = fields.Integer(
        string="Disable failing endpoints after (hours)",
        config_parameter="saas_webhook.disable_after_hours")
    saas_webhook_retry_base_seconds = fields.Integer(
        string="First retry after (s)", config_parameter="saas_webhook.retry_base_seconds")
    saas_webhook_retry_cap_seconds = fields.Integer(
        string="Longest retry delay (s)", config_parameter="saas_webhook.retry_cap_seconds")
