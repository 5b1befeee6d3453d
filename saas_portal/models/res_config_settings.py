from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    saas_signup_verify_email = fields.Boolean(
        string="Verify email before provisioning",
        config_parameter="saas_portal.signup_verify_email",
        help="New customers receive a link; their instance is created once they follow it.")
    saas_signup_rate_limit = fields.Integer(
        string="Sign-ups per address per hour",
        config_parameter="saas_portal.signup_rate_limit", default=5,
        help="0 = no limit. Counted in the database, across all workers.")
    saas_check_rate_limit = fields.Integer(
        string="Availability checks per address per minute",
        config_parameter="saas_portal.check_rate_limit", default=30)
