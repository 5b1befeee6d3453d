from odoo import api, fields, models

from .saas_instance import DEFAULT_VERIFY_HOURS
from .saas_signup_attempt import (
    DEFAULT_CHECK_LIMIT,
    DEFAULT_GLOBAL_HOURLY_CAP,
    DEFAULT_SIGNUP_LIMIT,
)

# Settings stored as written, "False" and "0" included: Odoo's
# config_parameter fields delete the key for False/0, which would bring the
# default back (verification on, limits on) instead of switching them off.
EXPLICIT_PARAMS = {
    "saas_signup_verify_email": ("saas_portal.signup_verify_email", True),
    "saas_signup_rate_limit": ("saas_portal.signup_rate_limit", DEFAULT_SIGNUP_LIMIT),
    "saas_check_rate_limit": ("saas_portal.check_rate_limit", DEFAULT_CHECK_LIMIT),
    "saas_signup_global_hourly_cap": ("saas_portal.signup_global_hourly_cap",
                                      DEFAULT_GLOBAL_HOURLY_CAP),
    "saas_signup_verify_hours": ("saas_portal.signup_verify_hours", DEFAULT_VERIFY_HOURS),
}


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    saas_signup_verify_email = fields.Boolean(
        string="Verify email before provisioning",
        help="New customers receive a link; their account and instance are created once "
        "they follow it.")
    saas_signup_verify_hours = fields.Integer(
        string="Confirmation link valid (hours)",
        help="An unconfirmed sign-up expires after this and its subdomain is free again. "
        "0 = never.")
    saas_signup_rate_limit = fields.Integer(
        string="Sign-ups per address per hour",
        help="0 = no limit. An IPv6 /64 counts as one address. Counted in the database, "
        "across all workers.")
    saas_check_rate_limit = fields.Integer(
        string="Availability checks per address per minute")
    saas_signup_global_hourly_cap = fields.Integer(
        string="Sign-ups per hour, all addresses",
        help="Accepted sign-ups per hour for everyone together: bounds what many "
        "addresses can do at once. 0 = no cap.")

    @api.model
    def get_values(self):
        res = super().get_values()
        params = self.env["ir.config_parameter"].sudo()
        for field, (key, default) in EXPLICIT_PARAMS.items():
            value = params.get_param(key)
            if value in (None, False, ""):
                res[field] = default
            elif isinstance(default, bool):
                res[field] = value.strip().lower() in ("1", "true", "yes")
            else:
                try:
                    res[field] = int(value)
                except ValueError:
                    res[field] = default
        return res

    def set_values(self):
        super().set_values()
        params = self.env["ir.config_parameter"].sudo()
        for field, (key, _default) in EXPLICIT_PARAMS.items():
            params.set_param(key, str(self[field]))
