"""Who the portal trusts with an instance's secrets (custom domain proofs,
backups): the one door that saas_backup and saas_dns ask, and that saas_sso
widens with the contacts allowed to open the instance."""
from odoo import api, fields, models


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    trusted_partner_ids = fields.Many2many(
        "res.partner", "saas_instance_trusted_partner_rel", "instance_id", "partner_id",
        string="Trusted Contacts", compute="_compute_trusted_partner_ids", store=True,
        help="Customer contacts shown the instance's secrets (domain proofs, backups): its "
        "own contact, and whoever other addons trust too (saas_sso: the access list).")

    @api.depends("partner_id")
    def _compute_trusted_partner_ids(self):
        for instance in self:
            instance.trusted_partner_ids = instance._portal_trusted_partners()

    def _portal_trusted_partners(self):
        """The contacts trusted with the instance's secrets.  Extend it (and
        add to ``_compute_trusted_partner_ids``' dependencies) to trust more."""
        self.ensure_one()
        return self.partner_id

    def _portal_is_trusted(self):
        """The current user may see the instance's secrets: support (SaaS
        managers), or a trusted contact.  Other contacts of the customer see
        the instance, not these."""
        self.ensure_one()
        user = self.env.user
        if user._is_public():
            return False
        return bool(user.has_group("saas_base.group_saas_manager")
                    or user.partner_id in self.sudo().trusted_partner_ids)
