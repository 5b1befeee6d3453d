from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class SaasInstanceAccess(models.Model):
    """A customer contact allowed to open an instance, and as which tenant
    user.  Without a line, only the instance's own partner (the contact who
    signed up) may open it, as the tenant's administrator."""

    _name = "saas.instance.access"
    _description = "SaaS Instance Access"
    _order = "instance_id, id"

    instance_id = fields.Many2one("saas.instance", required=True, ondelete="cascade",
                                  index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Contact", required=True, ondelete="cascade", index=True,
        help="A contact of the instance's customer; their portal user gets the Open button.")
    tenant_login = fields.Char(
        required=True, help="The user of the tenant this contact is signed in as.")

    _sql_constraints = [
        ("instance_partner_uniq", "UNIQUE(instance_id, partner_id)",
         "A contact is listed once per instance."),
    ]

    @api.constrains("partner_id", "instance_id")
    def _check_same_customer(self):
        for access in self:
            customer = access.instance_id.partner_id.commercial_partner_id
            if access.partner_id.commercial_partner_id != customer:
                raise ValidationError(_(
                    "%(contact)s is not a contact of %(customer)s: only the customer's own "
                    "contacts may open its instance.",
                    contact=access.partner_id.display_name, customer=customer.display_name))

    @api.constrains("tenant_login")
    def _check_login(self):
        for access in self:
            login = (access.tenant_login or "").strip()
            if not login or len(login) > 254 or any(c.isspace() or ord(c) < 32 for c in login):
                raise ValidationError(_("Enter the tenant user's login (no spaces)."))


class SaasSsoSupportLogin(models.Model):
    """A SaaS manager's sign-in to a customer's instance: who, when, why and
    as which tenant user.  Written by ``_sso_login_form`` only."""

    _name = "saas.sso.support.login"
    _description = "SaaS Support Login"
    _order = "date desc, id desc"
    _log_access = False

    instance_id = fields.Many2one("saas.instance", required=True, ondelete="cascade",
                                  index=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Who", required=True, readonly=True,
                              ondelete="restrict")
    date = fields.Datetime(string="When", required=True, readonly=True,
                           default=fields.Datetime.now)
    reason = fields.Text(required=True, readonly=True)
    tenant_login = fields.Char(required=True, readonly=True)
