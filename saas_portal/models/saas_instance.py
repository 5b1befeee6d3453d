import logging

from odoo import _, fields, models

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
