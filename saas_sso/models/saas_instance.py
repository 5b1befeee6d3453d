from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

# Longest support reason kept (a sentence or a ticket reference).
REASON_MAX = 500


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    access_ids = fields.One2many(
        "saas.instance.access", "instance_id", string="Who May Open It",
        help="Customer contacts allowed to open the instance, and as which tenant user. "
        "Without any line, the instance's own contact opens it as the administrator.")
    support_login_ids = fields.One2many(
        "saas.sso.support.login", "instance_id", string="Support Logins", readonly=True)

    def _tenant_settings(self):
        # Written at provisioning (customise) and reactivation: the tenant
        # learns which keys to trust and which issuer to expect.
        settings = super()._tenant_settings()
        settings.update(self.env["saas.sso.key"].sudo()._tenant_settings())
        return settings

    def _sso_is_support(self):
        return self.env.user.has_group("saas_base.group_saas_manager")

    def _sso_customer_login(self):
        """The tenant login the current (customer) user may open, or None.

        Only a line of ``access_ids`` for the user's own contact grants it;
        failing any line for them, the instance's own contact (who signed up)
        opens it as the administrator.  Other contacts of the same company
        (an accountant who pays invoices, say) see the instance, not inside."""
        self.ensure_one()
        user = self.env.user
        instance = self.sudo()
        if user._is_public():
            return None
        partner = user.partner_id
        line = instance.access_ids.filtered(lambda a: a.partner_id == partner)[:1]
        if line:
            return line.tenant_login
        if partner == instance.partner_id and instance.admin_login:
            return instance.admin_login
        return None

    def _sso_is_owner(self):
        """The current user is the instance's own contact (who signed up):
        they decide who else may open it."""
        self.ensure_one()
        return not self.env.user._is_public() and \
            self.env.user.partner_id == self.sudo().partner_id

    @api.depends("access_ids.partner_id")
    def _compute_trusted_partner_ids(self):
        return super()._compute_trusted_partner_ids()

    def _portal_trusted_partners(self):
        """saas_portal's trusted contacts (shown the instance's secrets: custom
        domain proofs, backups) are who may open it: its own contact, and the
        contacts on its access list."""
        return super()._portal_trusted_partners() | self.access_ids.partner_id

    def _sso_access_candidates(self):
        """Contacts of the customer with a portal account, other than the owner."""
        self.ensure_one()
        customer = self.sudo().partner_id.commercial_partner_id
        partners = self.env["res.partner"].sudo().search(
            [("commercial_partner_id", "=", customer.id), ("user_ids", "!=", False)])
        return partners - self.sudo().partner_id

    def _sso_check_manage_access(self):
        if not (self._sso_is_owner() or self._sso_is_support()):
            raise AccessError(_("Only %(owner)s decides who may open this instance.",
                                owner=self.sudo().partner_id.name))

    def _sso_set_access(self, partner, tenant_login):
        """Allow ``partner`` to open the instance as ``tenant_login`` (the
        owner or a SaaS manager only)."""
        self.ensure_one()
        self._sso_check_manage_access()
        Access = self.env["saas.instance.access"].sudo()
        line = Access.search([("instance_id", "=", self.id), ("partner_id", "=", partner.id)])
        vals = {"tenant_login": (tenant_login or "").strip()}
        if line:
            line.write(vals)
        else:
            line = Access.create(dict(vals, instance_id=self.id, partner_id=partner.id))
        self.sudo().message_post(body=_("%(who)s allowed %(contact)s to open the instance as "
                                        "%(login)s.", who=self.env.user.name,
                                        contact=partner.name, login=line.tenant_login))
        return line

    def _sso_remove_access(self, line):
        self.ensure_one()
        self._sso_check_manage_access()
        line = line.sudo().filtered(lambda a: a.instance_id.id == self.id)
        if line:
            self.sudo().message_post(body=_("%(who)s removed %(contact)s's access.",
                                            who=self.env.user.name,
                                            contact=line.partner_id.name))
            line.unlink()
        return True

    def _sso_can_open(self):
        """Whether the current user gets an Open button (no token is made)."""
        self.ensure_one()
        if self.sudo().state != "active":
            return False
        return bool(self._sso_is_support() or self._sso_customer_login())

    def _sso_login_form(self, tenant_login=None, reason=None):
        """What the browser must POST to sign the caller in to the tenant:
        ``{"action": <tenant URL>/saas_sso/login, "token": <JWT>}``.  The
        token is valid once, for 30 s, and travels only in a POST body.

        A customer gets the login their access line (or ownership) allows and
        no other.  A SaaS manager (support) chooses the login, must give a
        reason, and the sign-in is recorded (support_login_ids, chatter).

        :raises AccessError: the caller may not open this instance (as that login)
        :raises UserError: the instance is not active, or no reason was given
        """
        self.ensure_one()
        instance = self.sudo()
        support = self._sso_is_support()
        if support:
            login = tenant_login or instance.admin_login
            reason = (reason or "").strip()
            if not reason:
                raise UserError(_("Say why you sign in to %(name)s: support logins are "
                                  "recorded with their reason.", name=instance.display_name))
        else:
            login = self._sso_customer_login()
            if not login or (tenant_login and tenant_login != login):
                raise AccessError(_("You may not open this instance; ask the person who "
                                    "manages it for access."))
        if instance.state != "active":
            raise UserError(_("Instance %(name)s is not active: sign-in is not possible.",
                              name=instance.display_name))
        if not login:
            raise UserError(_("Instance %(name)s has no administrator login.",
                              name=instance.display_name))
        token = self.env["saas.sso.key"].sudo()._sign(instance.database_name, login)
        if support:
            # Support access to a customer's data must be traceable.
            self.env["saas.sso.support.login"].sudo().create({
                "instance_id": instance.id, "user_id": self.env.user.id,
                "reason": reason[:REASON_MAX], "tenant_login": login})
            instance.message_post(body=Markup(_(
                "Support login by %(user)s as <b>%(login)s</b>: %(reason)s")) % {
                    "user": self.env.user.name, "login": login, "reason": reason[:REASON_MAX]})
        return {"action": f"{instance.url}/saas_sso/login", "token": token}

    def action_sso_login(self):
        """Backend button (SaaS managers): ask for the reason, then open the
        tenant signed in (saas.sso.support.wizard)."""
        self.ensure_one()
        if not self._sso_is_support():
            raise AccessError(_("Only SaaS managers may sign in to a customer's instance."))
        return {
            "type": "ir.actions.act_window",
            "name": _("Support login"),
            "res_model": "saas.sso.support.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_instance_id": self.id,
                        "default_tenant_login": self.admin_login},
        }
