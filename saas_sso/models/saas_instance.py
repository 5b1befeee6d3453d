from urllib.parse import urlencode

from markupsafe import Markup

from odoo import _, models
from odoo.exceptions import AccessError, UserError


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _tenant_settings(self):
        # Written at provisioning (customise) and reactivation: the tenant
        # learns which keys to trust and which issuer to expect.
        settings = super()._tenant_settings()
        settings.update(self.env["saas.sso.key"].sudo()._tenant_settings())
        return settings

    def _sso_is_support(self):
        return self.env.user.has_group("saas_base.group_saas_manager")

    def _sso_check_access(self):
        """Raise unless the current user may sign in to this instance: a SaaS
        manager (support) or a user of the instance's customer."""
        self.ensure_one()
        if self._sso_is_support():
            return True
        user = self.env.user
        partner = self.sudo().partner_id
        if (user._is_public() or not partner
                or user.partner_id.commercial_partner_id != partner.commercial_partner_id):
            raise AccessError(_("You can only sign in to the instances of your own company."))
        return False

    def _sso_login_url(self, tenant_login=None):
        """URL that signs the caller in to the tenant as ``tenant_login``
        (default: the instance's administrator).  Valid once, for 30 s.

        :raises AccessError: the caller is neither the customer nor support
        :raises UserError: the instance is not active
        """
        self.ensure_one()
        support = self._sso_check_access()
        instance = self.sudo()
        if instance.state != "active":
            raise UserError(_("Instance %(name)s is not active: sign-in is not possible.",
                              name=instance.display_name))
        login = tenant_login or instance.admin_login
        if not login:
            raise UserError(_("Instance %(name)s has no administrator login.",
                              name=instance.display_name))
        token = self.env["saas.sso.key"].sudo()._sign(instance.database_name, login)
        if support:
            # Support access to a customer's data must be traceable.
            instance.message_post(body=Markup(_(
                "Support login by %(user)s as <b>%(login)s</b>.")) % {
                    "user": self.env.user.name, "login": login})
        return f"{instance.url}/saas_sso/login?{urlencode({'token': token})}"

    def action_sso_login(self):
        """Backend button (SaaS managers): open the tenant signed in as its
        administrator."""
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self._sso_login_url(), "target": "new"}
