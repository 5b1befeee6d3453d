from odoo import fields, models

from odoo.addons.saas_router.routing import base_domain


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # One source: odoo.conf [saas_router] base_domain, which the router needs
    # before any database is open; shown here, set there.
    saas_base_domain = fields.Char(
        string="Base Domain", compute="_compute_saas_base_domain",
        help="Instances are served at <subdomain>.<base domain>. Set in odoo.conf "
        "([saas_router] base_domain), which the router reads before opening any database.",
    )
    saas_url_scheme = fields.Selection(
        [("http", "http"), ("https", "https")],
        string="URL Scheme",
        config_parameter="saas_base.url_scheme",
    )
    saas_url_port = fields.Integer(
        string="URL Port",
        config_parameter="saas_base.url_port",
        help="Port of the instances' URLs; 0: none (the scheme's own, behind nginx).",
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

    def _compute_saas_base_domain(self):
        for record in self:
            record.saas_base_domain = base_domain() or False
