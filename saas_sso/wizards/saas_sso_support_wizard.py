from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

# The wizard is a one-shot ticket for /saas_sso/support/<id>: used once, soon.
TICKET_TTL = timedelta(minutes=2)


class SaasSsoSupportWizard(models.TransientModel):
    """A SaaS manager says why and as whom before signing in to a tenant."""

    _name = "saas.sso.support.wizard"
    _description = "SaaS Support Login"

    instance_id = fields.Many2one("saas.instance", required=True, readonly=True)
    tenant_login = fields.Char(required=True, help="The tenant user to sign in as.")
    reason = fields.Text(required=True, help="Recorded on the instance with your name.")
    used = fields.Boolean(readonly=True)

    def action_open(self):
        self.ensure_one()
        if not self.instance_id._sso_is_support():
            raise AccessError(_("Only SaaS managers may sign in to a customer's instance."))
        if not (self.reason or "").strip():
            raise UserError(_("Say why you sign in: support logins are recorded."))
        # The token is made by the route, in the new tab, and posted from there.
        return {"type": "ir.actions.act_url", "url": f"/saas_sso/support/{self.id}",
                "target": "new"}

    @api.model
    def _ticket(self, wizard_id):
        """The caller's own unused, recent wizard, marked used; else empty."""
        wizard = self.browse(wizard_id).exists()
        if (not wizard or wizard.create_uid != self.env.user or wizard.used
                or wizard.create_date < fields.Datetime.now() - TICKET_TTL):
            return self.browse()
        wizard.used = True
        return wizard
