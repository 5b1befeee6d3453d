from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # read and written through saas_base's settings door (saas_portal/settings.py):
    # an unticked box and a 0 are stored as such, so they switch things off
    saas_signup_verify_email = fields.Boolean(
        string="Verify email before provisioning",
        config_parameter="saas_portal.signup_verify_email",
        help="New customers receive a link; their account and instance are created once "
        "they follow it.")
    saas_signup_rate_limit = fields.Integer(
        string="Sign-ups per address",
        config_parameter="saas_portal.signup_rate_limit",
        help="0 = no limit. An IPv6 /64 counts as one address. Counted in the database, "
        "across all workers.")
    saas_signup_rate_window = fields.Integer(
        string="Sign-up limit window (seconds)",
        config_parameter="saas_portal.signup_rate_window")
    saas_check_rate_limit = fields.Integer(
        string="Availability checks per address",
        config_parameter="saas_portal.check_rate_limit")
    saas_check_rate_window = fields.Integer(
        string="Availability check window (seconds)",
        config_parameter="saas_portal.check_rate_window")
    saas_signup_global_hourly_cap = fields.Integer(
        string="Sign-ups per hour, all addresses",
        config_parameter="saas_portal.signup_global_hourly_cap",
        help="Accepted sign-ups per hour for everyone together: bounds what many "
        "addresses can do at once. 0 = no cap.")
