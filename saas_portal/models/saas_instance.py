import logging
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import consteq

from odoo.addons.saas_base.tools import settings

from .. import signup_rules

_logger = logging.getLogger(__name__)

# What the customer sees on the progress page, in pipeline order.  Keys are
# saas_provisioning's provision_step values, plus "active" for the end.
PROGRESS_STEPS = ["reserved", "clone", "filestore", "customise", "verify", "active"]


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    portal_signup = fields.Boolean(
        string="Signed Up Online", readonly=True, copy=False,
        help="Created by the customer on the public sign-up page.")
    signup_token = fields.Char(
        readonly=True, copy=False, groups="base.group_system",
        help="Idempotency token of the sign-up form: a second submission of the "
        "same form finds this instance instead of creating another.")
    signup_verify_token = fields.Char(readonly=True, copy=False, groups="base.group_system")
    signup_verified = fields.Boolean(readonly=True, copy=False, default=True)

    def init(self):
        super().init()
        # One instance per sign-up form, even for two submissions racing in
        # parallel transactions (the Python lookup cannot see uncommitted rows).
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS saas_instance_signup_token_uniq "
            "ON saas_instance (signup_token) WHERE signup_token IS NOT NULL"
        )

    # ------------------------------------------------------------------
    # progress, as shown to the customer
    # ------------------------------------------------------------------
    def _account_url(self):
        # the router's page of a suspended tenant links to where it is paid
        base = super()._account_url()
        return f"{base.rstrip('/')}/my/saas/{self.id}" if base else base

    def _portal_step_labels(self):
        return {
            "reserved": _("Request received"),
            "clone": _("Database created"),
            "filestore": _("Files copied"),
            "customise": _("Your company set up"),
            "verify": _("Checked that it answers"),
            "active": _("Ready"),
        }

    def _portal_progress(self):
        """JSON-able state of the provisioning for the progress page."""
        self.ensure_one()
        labels = self._portal_step_labels()
        if self.state in ("active", "suspended"):
            done_index = len(PROGRESS_STEPS) - 1
        elif self.provision_step:
            done_index = PROGRESS_STEPS.index(self.provision_step)
        else:
            done_index = -1
        message = False
        if self.state == "failed":
            message = _("Something went wrong while we were creating your Odoo. "
                        "Our support team has been notified and will contact you.")
        elif self.state == "draft" and not self.signup_verified:
            message = _("Check your mailbox: follow the link we sent you to "
                        "confirm your email address, and your Odoo will be created.")
        elif self.state == "terminated":
            message = _("This instance has been terminated.")
        return {
            "id": self.id,
            "state": self.state,
            "state_label": self._state_label(self.state),
            "done": self.state in ("active", "suspended"),
            "failed": self.state == "failed",
            "message": message,
            "url": self.url,
            "steps": [
                {"key": key, "label": labels[key], "done": index <= done_index}
                for index, key in enumerate(PROGRESS_STEPS)
            ],
        }

    # ------------------------------------------------------------------
    # email verification (on by default)
    # ------------------------------------------------------------------
    @api.model
    def _signup_verify_required(self):
        return settings.get(self.env, "saas_portal.signup_verify_email")

    @api.model
    def _signup_verify_hours(self):
        return settings.get(self.env, "saas_portal.signup_verify_hours")

    def _signup_prepare_verification(self):
        self.ensure_one()
        token = secrets.token_urlsafe(32)
        self.sudo().write({"signup_verify_token": token, "signup_verified": False})
        template = self.env.ref("saas_portal.mail_template_signup_verify", raise_if_not_found=False)
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
                or sudo.state != "draft"):
            return False
        if signup_rules.verification_expired(sudo.create_date, fields.Datetime.now(),
                                             self._signup_verify_hours()):
            return False
        return consteq(sudo.signup_verify_token, token)

    def _signup_verify(self, token, admin_password_hash=None):
        """Start provisioning if ``token`` is this instance's; True if done.
        Without ``admin_password_hash``, the password sealed at sign-up is
        hashed by provisioning."""
        self.ensure_one()
        if not self._signup_check_verify_token(token):
            return False
        sudo = self.sudo()
        sudo.write({"signup_verified": True, "signup_verify_token": False})
        sudo.request_provisioning(admin_password_hash=admin_password_hash)
        return True

    @api.model
    def _cron_expire_unverified_signups(self):
        """Sign-ups never verified in time give their name back: the instance
        (which never had a database) is terminated, its sealed password and
        token forgotten, and the partner made for it archived."""
        hours = self._signup_verify_hours()
        if hours <= 0:
            return True
        limit = fields.Datetime.now() - timedelta(hours=hours)
        expired = self.sudo().search([
            ("portal_signup", "=", True), ("signup_verified", "=", False),
            ("state", "=", "draft"), ("create_date", "<=", limit)])
        for instance in expired:
            instance.write({"signup_verify_token": False, "admin_password_sealed": False})
            instance._set_state("terminated", _("Sign-up never confirmed: expired after "
                                                "%s hours.", hours))
            partner = instance.partner_id
            others = self.sudo().search_count([("partner_id", "=", partner.id),
                                               ("id", "!=", instance.id),
                                               ("state", "!=", "terminated")])
            if not partner.with_context(active_test=False).user_ids and not others:
                partner.active = False
        return True

    # ------------------------------------------------------------------
    # failures reach a person
    # ------------------------------------------------------------------
    def _on_state_changed(self, old_states, new_state, message=None):
        super()._on_state_changed(old_states, new_state, message)
        if new_state == "failed":
            self.filtered("portal_signup")._notify_support_failure(message)

    def _notify_support_failure(self, message=None):
        """A customer is watching a progress page that says support was told:
        make it true with an activity for a SaaS manager."""
        managers = self.env.ref("saas_base.group_saas_manager").sudo().users.filtered(
            lambda u: not u.share and u.active and u.id != self.env.ref("base.user_root").id)
        for instance in self.sudo():
            instance.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=(managers[:1] or self.env.user).id,
                summary=_("Online sign-up failed: %(sub)s", sub=instance.subdomain),
                note=message or _("Provisioning failed; the customer was told support "
                                  "will contact them."),
            )
