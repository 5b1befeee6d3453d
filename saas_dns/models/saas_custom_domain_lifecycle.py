"""Who may change a tenant's domains, and the life of a claim: unique once
verified, a pending claim expires, a verified domain's proof is checked
again daily and a domain whose proof is gone stops routing (the decisions:
saas_dns/tools/proofs.py)."""
import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.saas_provisioning.adapters.errors import AdapterError
from odoo.addons.saas_router import routing

from ..tools import proofs

_logger = logging.getLogger(__name__)


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _check_may_manage_domains(self):
        """Only whom the portal trusts with the instance's secrets
        (``_portal_is_trusted``: support, its own contact, and with saas_sso a
        contact on its access list) adds, verifies or removes its domains: a
        domain becomes the tenant's web.base.url.  The system (crons,
        administrators) may too."""
        self.ensure_one()
        user = self.env.user
        if user._is_superuser() or user._is_system() or self._portal_is_trusted():
            return
        raise AccessError(_(
            "Only %(owner)s, or a contact they allowed to open %(instance)s, may add, "
            "verify or remove its domains.",
            owner=self.sudo().partner_id.name, instance=self.sudo().name))


class SaasCustomDomain(models.Model):
    _inherit = "saas.custom.domain"

    proof_missing_since = fields.Datetime(
        readonly=True, copy=False,
        help="First daily check that did not find the proof; the domain stops routing "
             "when it has been missing for 3 days.")
    last_check_date = fields.Datetime(readonly=True, copy=False)

    def init(self):
        super().init()
        cr = self.env.cr
        # unique once verified only (the former unique(name) let a pending
        # claim block the name's real owner)
        cr.execute("ALTER TABLE saas_custom_domain DROP CONSTRAINT IF EXISTS "
                   "saas_custom_domain_name_unique")
        cr.execute("CREATE UNIQUE INDEX IF NOT EXISTS saas_custom_domain_verified_name_uniq "
                   "ON saas_custom_domain (name) WHERE state = 'verified'")

    @api.model
    def _check_name_free(self, name, instance_id, verifying=None):
        """A name verified for another instance (or claimed twice by the same
        instance) is refused; other customers' pending claims do not count."""
        others = self.sudo().search([("name", "=", name), ("id", "!=", verifying.id if verifying
                                                          else False)])
        if others.filtered(lambda d: d.state == "verified"):
            raise UserError(_("%(name)s is already attached to another instance.", name=name))
        if not verifying and others.filtered(lambda d: d.instance_id.id == instance_id):
            raise UserError(_("%(name)s is already attached to this instance.", name=name))

    def _drop_other_claims(self):
        """The name is proved: the other instances' unproved claims go."""
        for domain in self:
            others = self.sudo().search([("name", "=", domain.name), ("id", "!=", domain.id),
                                         ("state", "!=", "verified")])
            for other in others:
                other.instance_id.message_post(body=_(
                    "Custom domain %s was proved by another customer: this claim was dropped.",
                    other.name))
            others.unlink()

    # ------------------------------------------------------------------
    # crons (``now``: the clock, given by tests)
    # ------------------------------------------------------------------
    @api.model
    def _cron_expire_pending(self, now=None):
        now = now or fields.Datetime.now()
        expired = self.sudo().search([("state", "=", "pending")]).filtered(
            lambda d: proofs.pending_expired(d.create_date, now))
        for domain in expired:
            domain.instance_id.message_post(body=_(
                "Custom domain %s was not proved within 72 hours: the claim was dropped.",
                domain.name))
        expired.unlink()
        return len(expired)

    @api.model
    def _cron_recheck_proofs(self, now=None):
        """Ask DNS again for every verified domain's proof; lapse those whose
        proof has been gone for 3 days.  Returns {domain name: outcome}."""
        now = now or fields.Datetime.now()
        server, port = self._resolver()
        done = {}
        for domain in self.sudo().search([("state", "=", "verified"), (
                "instance_id.state", "in", ("active", "suspended"))]):
            instance = domain.instance_id
            result, since, found = proofs.recheck(
                domain.name, domain.token, routing.bare_host(instance._host()), server, port,
                domain.proof_missing_since, now)
            message = {
                proofs.KEPT: _("Proof still published (%s)", found),
                proofs.MISSING: _("Proof missing since %s: found %s", since, found),
                proofs.LAPSED: _("Proof missing since %s: no longer routed", since),
                proofs.UNKNOWN: _("Not checked: %s", found),
            }[result]
            domain.write({"last_check_date": now, "proof_missing_since": since,
                          "last_check_message": message})
            if result == proofs.LAPSED:
                domain._lapse()
            done[domain.name] = result
        return done

    def _lapse(self):
        """Stop routing the domain (the map, nginx and the tenant's address
        follow) and tell the owner."""
        template = self.env.ref("saas_dns.mail_template_custom_domain_lapsed",
                                raise_if_not_found=False)
        for domain in self:
            domain.state = "lapsed"
            instance = domain.instance_id
            instance._publish_routes()
            instance.message_post(body=_(
                "Custom domain %s no longer routed: its proof has been gone for 3 days.",
                domain.name))
            try:
                instance._push_base_url()
            except AdapterError as exc:  # the tenant is down: its address follows later
                instance.message_post(body=_(
                    "The tenant's address could not be updated: %s", exc))
            if template:
                template.send_mail(domain.id)
            _logger.info("saas_dns: custom domain %s lapsed (instance %s)", domain.name,
                         instance.id)
