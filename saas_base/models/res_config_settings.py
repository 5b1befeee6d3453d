from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    saas_base_domain = fields.Char(
        string="Base Domain",
        config_parameter="saas_base.base_domain",
        default="localhost:8069",
        help="Instances are served at <subdomain>.<base domain> (a port may follow).",
    )
    saas_url_scheme = fields.Selection(
        [("http", "http"), ("https", "https")],
        string="URL Scheme",
        config_parameter="saas_base.url_scheme",
        default="http",
    )
    saas_reserved_subdomains = fields.Char(
        string="Reserved Subdomains",
        config_parameter="saas_base.reserved_subdomains",
        help="Extra names customers may not use, separated by commas; "
        "infrastructure names (www, mail, api, ...) are always reserved.",
    )
    saas_default_server_id = fields.Many2one(
        "saas.server",
        string="Default Server",
        config_parameter="saas_base.default_server_id",
    )
    saas_default_plan_id = fields.Many2one(
        "saas.plan",
        string="Default Plan",
        config_parameter="saas_base.default_plan_id",
    )
