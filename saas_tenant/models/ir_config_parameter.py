from odoo import api, models

from odoo.addons.saas_router import tenant_contract as contract

BASE_URL_KEY = "web.base.url"


class IrConfigParameter(models.Model):
    _inherit = "ir.config_parameter"

    @api.model
    def get_param(self, key, default=False):
        """``web.base.url`` follows the master's setting ``base_url`` (a
        verified custom domain, or the subdomain again once it is removed):
        the tenant's role cannot write it, and the master never writes the
        tenant's own tables after customising it."""
        if key == BASE_URL_KEY:
            self.env.cr.execute(contract.EXISTS_SQL, [contract.TABLE])
            if self.env.cr.fetchone()[0]:
                self.env.cr.execute(contract.READ_KEYS_SQL, [[contract.BASE_URL]])
                url = contract.get(dict(self.env.cr.fetchall()), contract.BASE_URL)
                if url and url.startswith(("http://", "https://")):
                    return url.rstrip("/")
        return super().get_param(key, default)
