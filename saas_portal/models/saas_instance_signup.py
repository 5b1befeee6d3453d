import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import consteq, escape_psql

from odoo.addons.saas_base.tools import settings

from .. import signup_rules


class SaasInstance(models.Model):
    """A portal sign-up waiting for its address to be confirmed.

    The sign-up form asks for no password and nothing is sealed.  The
    instance waits in draft, with no account, no server place and no
    database, holding its subdomain for at most an hour
    (``signup_rules.PENDING_HOLD_MAX_HOURS``).  The link of the mail (or,
    with verification off, the answer to the form) leads to the set-password
    page; the account is made, and provisioning starts, only when that page
    is sent with the link's token (single-use, short-lived)."""

    _inherit = "saas.instance"

    @api.model
    def _signup_verify_required(self):
        return settings.get(self.env, "saas_portal.signup_verify_email")

    @api.model
    def _signup_verify_hours(self):
        """How long a link (and the name it holds) lasts: no setting, the
        hold must stay short (squatting)."""
        return signup_rules.PENDING_HOLD_MAX_HOURS

    def _signup_prepare_verification(self, send_mail):
        """A fresh token for the set-password link; mailed to the sign-up's
        address when ``send_mail``.  Returns the token."""
        self.ensure_one()
        token = secrets.token_urlsafe(32)
        self.sudo().write({"signup_verify_token": token, "signup_verified": False})
        template = send_mail and self.env.ref("saas_portal.mail_template_signup_verify",
                                              raise_if_not_found=False)
        if template:
            template.sudo().with_context(verify_token=token).send_mail(self.id)
            # someone waits for it: the mail queue runs now, not at its next (hourly) call
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
        return token

    def _signup_check_verify_token(self, token):
        """Whether ``token`` is this unverified, unexpired sign-up's (nothing
        is changed)."""
        self.ensure_one()
        sudo = self.sudo()
        if (sudo.signup_verified or not sudo.signup_verify_token or not token
                or not isinstance(token, str) or sudo.state != "draft"):
            return False
        if signup_rules.verification_expired(sudo.create_date, fields.Datetime.now(),
                                             self._signup_verify_hours()):
            return False
        return consteq(sudo.signup_verify_token, token)

    def _signup_verify(self, token, admin_password_hash):
        """Start provisioning if ``token`` is this instance's; True if done.
        The token is spent.  ``admin_password_hash``: the hash of the password
        the customer just chose on the set-password page (their portal
        account's), which the tenant's administrator gets too."""
        self.ensure_one()
        if not self._signup_check_verify_token(token):
            return False
        sudo = self.sudo()
        sudo.write({"signup_verified": True, "signup_verify_token": False})
        sudo.request_provisioning(admin_password_hash=admin_password_hash)
        return True

    @api.model
    def _signup_pending_domain(self):
        """Unverified portal sign-ups whose hold has not ended."""
        since = fields.Datetime.now() - timedelta(hours=self._signup_verify_hours())
        return [("portal_signup", "=", True), ("signup_verified", "=", False),
                ("state", "=", "draft"), ("create_date", ">", since)]

    @api.model
    def _signup_pending_count(self, email):
        """Unexpired sign-ups of ``email`` (any case) waiting for confirmation."""
        return self.sudo().search_count(self._signup_pending_domain() + [
            ("admin_login", "=ilike", escape_psql(email))])

    @api.model
    def _signup_release_expired(self, subdomain):
        """The name's hold ends on time, not at the cron's next run: an
        expired pending sign-up of ``subdomain`` is expired now."""
        limit = fields.Datetime.now() - timedelta(hours=self._signup_verify_hours())
        expired = self.sudo().search([
            ("subdomain", "=", subdomain), ("portal_signup", "=", True),
            ("signup_verified", "=", False), ("state", "=", "draft"),
            ("create_date", "<=", limit)])
        expired._signup_expire()
        return bool(expired)

    @api.model
    def _cron_expire_unverified_signups(self):
        """Sign-ups never verified in time give their name back."""
        limit = fields.Datetime.now() - timedelta(hours=self._signup_verify_hours())
        self.sudo().search([
            ("portal_signup", "=", True), ("signup_verified", "=", False),
            ("state", "=", "draft"), ("create_date", "<=", limit)])._signup_expire()
        return True

    def _signup_expire(self):
        """The instance (which never had a database) is terminated, its token
        forgotten, and the partner made for it archived."""
        hours = self._signup_verify_hours()
        for instance in self.sudo():
            instance.signup_verify_token = False
            instance._set_state("terminated", _("Sign-up never confirmed: expired after "
                                                "%s hours.", hours))
            partner = instance.partner_id
            others = self.sudo().search_count([("partner_id", "=", partner.id),
                                               ("id", "!=", instance.id),
                                               ("state", "!=", "terminated")])
            if not partner.with_context(active_test=False).user_ids and not others:
                partner.active = False
