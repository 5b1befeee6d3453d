"""The one door through which the master writes a tenant's settings
(``saas_control.tenant_setting``: the table, its keys and their encoding are
saas_router/tenant_contract.py).  What the master decides is
``_tenant_settings`` (addons extend it: saas_dns the base URL, saas_sso the
keys); ``_push_tenant_settings`` writes it, or part of it, or a change of
the moment (a suspension)."""
from odoo import models

from ..adapters.contract import tenant_contract as contract


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _tenant_settings(self):
        """What the master decides for the tenant ({key: value}, keys of the
        contract); saas_tenant enforces it."""
        self.ensure_one()
        plan = self.plan_id
        return {
            contract.MAX_USERS: plan.max_users or 0,
            contract.MAX_STORAGE_MB: plan.max_storage_mb or 0,
            contract.MASTER_URL:
                self.env["ir.config_parameter"].sudo().get_param("web.base.url", ""),
            contract.SUPPORT_EMAIL: self.env.company.email or "",
        }

    def _tenant_settings_payload(self, values=None, keys=None):
        """{key: text} for one tenant: the settings it is decided (all, or
        only ``keys``), then ``values``, encoded by the contract."""
        self.ensure_one()
        decided = self._tenant_settings() if keys is None or keys else {}
        if keys is not None:
            decided = {key: decided[key] for key in keys}
        return contract.encode_all(dict(decided, **(values or {})))

    def _push_tenant_settings(self, values=None, keys=None):
        """THE door: write into the tenant of each instance of ``self`` what
        the master decides for it (``_tenant_settings``; only ``keys`` of it
        when given, none with ``keys=()``), then ``values`` (a change of the
        moment: a suspension and its reason).  Over SQL, in the tenant's
        database, as the master (the tenant's role may only read the
        table).  Raises AdapterError (TenantRefusedError...)."""
        for instance in self:
            instance._tenant_db().write_settings(
                instance._tenant_settings_payload(values, keys))
