"""Who reaches a tenant, decided by the master and enforced outside it.

The route map says what each host is served (``routing.SERVED``,
``SUSPENDED``, ``TAMPERED``): the router answers a host that is not served
with a page of its own, and RPC naming its database is refused.  The
tenant's role may not log in while it is not served (``TenantLogin``): its
sessions are ended and every Odoo process drops its registry when the map
moves.  The master's own work on such a tenant logs in inside a window.
"""
import contextlib
import functools
import logging
import time

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.saas_router import modules as module_policy
from odoo.addons.saas_router import routing

from ..adapters.contract import tenant_contract as contract
from ..adapters.errors import AdapterError

_logger = logging.getLogger(__name__)


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    tampered = fields.Boolean(
        readonly=True, copy=False, tracking=True,
        help="The master found the tenant's modules changed in a way the service does not "
             "allow (saas_tenant removed, a module outside the plan loaded): the router "
             "refuses the tenant until a SaaS manager clears it.")
    tamper_reason = fields.Text(readonly=True, copy=False)
    base_modules = fields.Text(
        readonly=True, copy=False, groups="base.group_system",
        help="Modules of the fresh clone, read at customise: with the plan's, the only ones "
             "the router's gate loads in this tenant.")
    usage_error = fields.Char(
        readonly=True, copy=False,
        help="Why the last usage sweep could not read this tenant (a policy of its own "
             "refusing the master's count, say): its figures are the last ones read.")

    def _state_machine_fields(self):
        return super()._state_machine_fields() | {"tampered", "tamper_reason"}

    # -- the route map -------------------------------------------------------

    def _route_state(self):
        """What the map says of this instance's hosts."""
        self.ensure_one()
        if self.tampered:
            return routing.TAMPERED
        if self.state == "suspended":
            return routing.SUSPENDED
        return routing.SERVED

    def _account_url(self):
        """Where the customer manages its account (the router's page links
        there while the tenant is not served); saas_portal points it at
        the customer's page of this instance."""
        return self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")

    def _route_rows(self):
        """``_routes()`` with the state and account link of the map."""
        self.ensure_one()
        state, account = self._route_state(), self._account_url()
        return [dict(row, state=state, account_url=account) if row.get("database_name") else row
                for row in self._routes()]

    # -- the tenant's login --------------------------------------------------

    def _tenant_login(self):
        """TenantLogin of this instance's role; its ``is_served`` is the map's
        answer read afresh (committed), from plain values: the usage sweep
        uses it in threads of its own."""
        self.ensure_one()
        return self.server_id._tenant_login(
            self.database_name,
            functools.partial(routing.database_served, self.env.cr.dbname, self.database_name))

    def _tenant_window(self):
        """Context for the master's own sessions as the tenant: nothing when
        it is served (or in maintenance: its login stays open), else a
        login window (see TenantLogin)."""
        self.ensure_one()
        if self._route_state() in (routing.SERVED, routing.MAINTENANCE):
            return contextlib.nullcontext()
        return self._tenant_login().window()

    def _close_to_tenant(self, operation, reason=None):
        """Suspension and tamper alike: hosts answered by the router, role
        NOLOGIN, sessions ended; registries leave every process with the
        map's version."""
        started = time.monotonic()
        self._publish_routes()
        done = self._tenant_login().lock()
        self._log(operation, "close", "done", started,
                  reason if done else _("Closed when the master's running job ends."))

    # -- tamper ---------------------------------------------------------------

    def _module_reasons(self, module_states, settings=None):
        """What is wrong with ``module_states`` (read as the tenant) under
        this instance's policy: its ``base_modules`` (kept on the instance
        as well) and the tenant's ``allowed_modules`` setting."""
        self.ensure_one()
        settings = {} if settings is None else settings
        base = contract.decode(contract.BASE_MODULES, settings.get(contract.BASE_MODULES)
                               or self.sudo().base_modules or None)
        allowed = contract.get(settings, contract.ALLOWED_MODULES)
        return module_policy.tamper_reasons(module_states, allowed, base)

    def _check_modules(self, module_states):
        """Flag this instance when ``module_states`` break its policy;
        returns the reasons ([] when sound).  The tenant's settings are read
        only when something looks wrong (an allow-list may explain it)."""
        self.ensure_one()
        reasons = self._module_reasons(module_states)
        if reasons:
            reasons = self._module_reasons(module_states, self._tenant_db().read_settings())
        if reasons and not self.tampered:
            self._flag_tampered("; ".join(reasons))
        return reasons

    def _flag_tampered(self, reason):
        self.ensure_one()
        self.sudo()._write_state_machine({"tampered": True, "tamper_reason": reason})
        self._close_to_tenant("limits", _("Tampered: %s", reason))
        self.message_post(body=_("The tenant's modules were tampered with (%s): the router "
                                 "refuses it until a SaaS manager clears it.", reason))
        manager = self.env.ref("saas_base.group_saas_manager", raise_if_not_found=False)
        user = manager and manager.users[:1] or self.env.ref("base.user_admin")
        self.sudo().activity_schedule(
            "mail.mail_activity_data_todo", user_id=user.id,
            summary=_("Tenant tampered with: %s", self.display_name), note=reason)
        self.env["saas.events"]._saas_event("instance.tampered", self, {"reason": reason})

    def action_clear_tamper(self):
        """A SaaS manager repaired the tenant (a restore, a module put back):
        read its modules again as the tenant and serve it if sound."""
        if not self.env.user.has_group("saas_base.group_saas_manager"):
            raise UserError(_("Only a SaaS manager may clear the tamper flag."))
        for instance in self.filtered("tampered"):
            tenant = instance._tenant_db()
            try:
                with instance._tenant_window():
                    _users, states = tenant.read_usage()
                reasons = instance._module_reasons(states, tenant.read_settings())
            except AdapterError as exc:
                raise UserError(_("Cannot read %(db)s: %(err)s",
                                  db=instance.database_name, err=exc)) from exc
            if reasons:
                raise UserError(_("%(db)s is still tampered with: %(why)s",
                                  db=instance.database_name, why="; ".join(reasons)))
            instance._write_state_machine({"tampered": False, "tamper_reason": False})
            if instance._route_state() == routing.SERVED:
                with instance._tenant_login().unlocked():
                    instance._ensure_role(login=True)
                    instance._publish_routes()
            else:
                instance._publish_routes()
            instance.message_post(body=_("Tamper flag cleared by %s.", self.env.user.name))
        return True
