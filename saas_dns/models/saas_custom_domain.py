from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.saas_base.tools import settings
from odoo.addons.saas_router import routing

from ..providers import DnsError, absolute
from ..tools import verify


class SaasCustomDomain(models.Model):
    """A customer's own domain for its instance: routed (and made the
    tenant's web.base.url) once its ownership is proved in DNS."""

    _name = "saas.custom.domain"
    _description = "SaaS Custom Domain"
    _order = "instance_id, name"

    name = fields.Char(string="Domain", required=True, readonly=True, index=True)
    instance_id = fields.Many2one("saas.instance", required=True, ondelete="cascade",
                                  readonly=True, index=True)
    partner_id = fields.Many2one(related="instance_id.partner_id", store=True)
    token = fields.Char(readonly=True, copy=False,
                        help="Value the customer publishes in the TXT record _saas-verify.<domain>.")
    state = fields.Selection([("pending", "Waiting for proof"), ("verified", "Verified"),
                              ("lapsed", "Proof gone, not routed")],
                             default="pending", required=True, readonly=True)
    verified_method = fields.Selection([("TXT", "TXT record"), ("CNAME", "CNAME record")],
                                       readonly=True)
    verified_date = fields.Datetime(readonly=True)
    last_check_message = fields.Char(readonly=True)
    txt_name = fields.Char(compute="_compute_txt_name")

    # A name is unique once verified only (a partial unique index, see
    # saas_custom_domain_lifecycle.py): a pending claim blocks nobody.
    _sql_constraints = [
        ("instance_name_unique", "unique(instance_id, name)",
         "This domain is already attached to this instance."),
    ]

    @api.depends("name")
    def _compute_txt_name(self):
        for domain in self:
            domain.txt_name = verify.txt_name(domain.name) if domain.name else False

    @api.model
    def _normalise(self, name):
        try:
            name = absolute(name)
        except DnsError as exc:
            raise UserError(_("%(name)s is not a valid domain name.", name=name)) from exc
        if "." not in name:
            raise UserError(_("%(name)s is not a valid domain name.", name=name))
        if "*" in name:
            raise UserError(_("A custom domain cannot be a wildcard."))
        ours = {routing.base_domain()} - {""}
        if name in routing.master_hosts() or any(
                name == d or name.endswith("." + d) for d in ours):
            raise UserError(_("%(name)s is one of our own names, not a custom domain.", name=name))
        return name

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals["name"] = self._normalise(vals.get("name"))
            self._check_name_free(vals["name"], vals.get("instance_id"))
            vals["token"] = verify.new_token()
            vals.pop("state", None)
        return super().create(vals_list)

    def _resolver(self):
        value = settings.get(self.env, "saas_dns.resolver")
        host, _sep, port = value.rpartition(":")
        return (host or value), int(port or 53) if host else 53

    def action_verify(self):
        """Ask the configured DNS server for the proof; verified domains are
        routed at once and become the tenant's address."""
        server, port = self._resolver()
        for domain in self:
            instance = domain.instance_id
            instance._check_may_manage_domains()
            self._check_name_free(domain.name, instance.id, verifying=domain)
            if instance.state not in ("active", "suspended"):
                raise UserError(_("The instance must be active to attach a domain."))
            try:
                ok, found = verify.check_ownership(domain.name, domain.token,
                                                   routing.bare_host(instance._host()),
                                                   server, port)
            except verify.VerificationError as exc:
                raise UserError(_("The DNS server could not be asked; try again later. (%s)",
                                  exc)) from exc
            if not ok:
                domain.last_check_message = _("Found %s", found)
                raise UserError(_(
                    "%(domain)s is not verified yet: publish a TXT record %(txt)s with the "
                    "value %(token)s (or a CNAME of %(domain)s to %(host)s). Found: %(found)s.",
                    domain=domain.name, txt=domain.txt_name, token=domain.token,
                    host=routing.bare_host(instance._host()), found=found))
            domain.write({"state": "verified", "verified_method": found,
                          "verified_date": fields.Datetime.now(), "proof_missing_since": False,
                          "last_check_message": _("Verified by %s", found)})
            domain._drop_other_claims()
            instance._publish_routes()
            instance._push_base_url()
            instance.message_post(body=_("Custom domain %(domain)s verified (%(how)s) and routed.",
                                         domain=domain.name, how=found))
        return True

    def action_remove(self):
        """Detach: the route goes, the subdomain is the address again."""
        for domain in self:
            domain.instance_id._check_may_manage_domains()
            instance, name, was_verified = domain.instance_id, domain.name, domain.state == "verified"
            domain.unlink()
            if was_verified:
                instance._publish_routes()
                instance._push_base_url()
            instance.message_post(body=_("Custom domain %s removed.", name))
        return True
