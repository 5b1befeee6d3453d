from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    saas_sso_issuer = fields.Char(
        string="Sign-in Token Issuer", config_parameter="saas_sso.issuer",
        groups="base.group_system",
        help="The iss claim of the tokens that open tenants, fixed at install (the master's "
        "URL then); tenants check it. A change reaches a tenant with its next settings "
        "push (plan change, suspension, key rotation).")
