"""Creating and changing instances: the subdomain's checks, the opaque
database name, what may be changed once provisioned, and deletion."""
from odoo import _, api, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.saas_router.routing import new_tenant_db_name

from ..tools import settings
from ..tools.subdomain import MAX_LENGTH as SUBDOMAIN_MAX_LENGTH
from ..tools.subdomain import InvalidSubdomain, check_subdomain, parse_reserved


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------
    @api.model
    def _reserved_subdomains(self):
        return parse_reserved(settings.get(self.env, "saas_base.reserved_subdomains"))

    @api.model
    def _subdomain_max_length(self):
        # a DNS label's; the database name does not hold the subdomain
        return SUBDOMAIN_MAX_LENGTH

    @api.model
    def _check_subdomain_value(self, value):
        """Raise a ValidationError with the reason if ``value`` is refused."""
        try:
            check_subdomain(
                value, self._reserved_subdomains(), max_length=self._subdomain_max_length()
            )
        except InvalidSubdomain as exc:
            raise ValidationError(
                _("Invalid subdomain %(value)r: %(reason)s", value=value, reason=exc.reason)
            ) from None

    @api.constrains("subdomain")
    def _check_subdomain(self):
        for instance in self:
            self._check_subdomain_value(instance.subdomain)

    @api.model
    def _check_subdomain_available(self, subdomain, exclude_ids=()):
        """Raise a ValidationError if a live instance already uses it."""
        other = self.sudo().with_context(active_test=False).search_count(
            [
                ("id", "not in", list(exclude_ids)),
                ("state", "!=", "terminated"),
                ("subdomain", "=", subdomain),
            ],
            limit=1,
        )
        if other:
            raise ValidationError(
                _("The subdomain %(sub)r is already taken by another instance.", sub=subdomain)
            )

    @api.constrains("subdomain", "database_name", "state")
    def _check_unique_live(self):
        # The unique indexes are the real guarantee (they also stop two
        # transactions racing); this gives a readable message in the common
        # case.  create() and write() run it before touching the table, as
        # the index would otherwise answer first, with a raw SQL error.
        for instance in self.filtered(lambda i: i.state != "terminated" and i.subdomain):
            self._check_subdomain_available(instance.subdomain, exclude_ids=instance.ids)

    def _precheck_subdomain(self, subdomain, exclude_ids=()):
        if subdomain:
            self._check_subdomain_value(subdomain)
            self._check_subdomain_available(subdomain, exclude_ids)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        self._check_state_machine_create(vals_list)
        seen = set()
        for vals in vals_list:
            # The database name is given here, opaque, never typed (the state
            # machine alone may keep one: an imported tenant keeps its own).
            if not (self._in_state_machine() and vals.get("database_name")):
                vals["database_name"] = new_tenant_db_name()
            subdomain = vals.get("subdomain")
            if subdomain and vals.get("state", "draft") != "terminated":
                self._precheck_subdomain(subdomain)
                if subdomain in seen:
                    raise ValidationError(
                        _("The subdomain %(sub)r is already taken by another instance.",
                          sub=subdomain)
                    )
                seen.add(subdomain)
            if not vals.get("name"):
                partner = self.env["res.partner"].browse(vals.get("partner_id"))
                vals["name"] = (
                    partner.commercial_company_name or partner.name or vals.get("subdomain")
                )
        return super().create(vals_list)

    def write(self, vals):
        self._check_state_machine_write(vals)
        if not self._in_state_machine():
            # given at creation, never typed; the state machine alone names another
            # (saas_provisioning: a clone taken from the warm pool)
            vals.pop("database_name", None)
        if "subdomain" in vals:
            locked = self.filtered(
                lambda i: i.state != "draft" and i.subdomain != vals["subdomain"]
            )
            if locked:
                raise UserError(
                    _(
                        "The subdomain of instance %(name)s cannot be changed: it "
                        "left the draft state (its database and URL exist).",
                        name=locked[0].display_name,
                    )
                )
            changed = self.filtered(lambda i: i.subdomain != vals["subdomain"])
            if changed:
                if len(changed) > 1:
                    raise ValidationError(
                        _("Several instances cannot share the subdomain %(sub)r.",
                          sub=vals["subdomain"])
                    )
                self._precheck_subdomain(vals["subdomain"], exclude_ids=changed.ids)
        return super().write(vals)

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for instance, vals in zip(self, vals_list, strict=True):
            if "subdomain" not in (default or {}):
                vals["subdomain"] = f"{instance.subdomain}-copy"
        return vals_list

    @api.ondelete(at_uninstall=False)
    def _unlink_except_live(self):
        live = self.filtered(lambda i: i.state not in ("draft", "terminated", "failed"))
        if live:
            raise UserError(
                _(
                    "Instance %(name)s is %(state)s: terminate it before deleting it.",
                    name=live[0].display_name,
                    state=live[0]._state_label(live[0].state),
                )
            )
