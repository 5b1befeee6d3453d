"""Maintenance: the master works on a tenant's database (an update, a move
to another server) while the router answers its hosts "back shortly" (503,
``routing.MAINTENANCE``) without opening the database.

The flag and the map move together, each in a transaction of its own that
commits at once: the customer must see the page before the work starts,
whatever the caller's transaction does later.  ``maintenance_reason`` is
the state machine's: nothing else writes it.  A worker killed inside the
block leaves the flag set (the page stays up, nothing half-done is served);
the retried job, or a manager's "End maintenance", ends it.
"""
import contextlib
import time

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.modules.registry import Registry

from odoo.addons.saas_router import routing


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    maintenance_reason = fields.Char(
        readonly=True, copy=False, tracking=True,
        help="Set while the master works on this tenant's database (an update, a move): "
             "the router answers its hosts with a maintenance page meanwhile.")

    def _state_machine_fields(self):
        return super()._state_machine_fields() | {"maintenance_reason"}

    def _route_state(self):
        state = super()._route_state()
        if state == routing.SERVED and self.maintenance_reason:
            return routing.MAINTENANCE
        return state

    def _set_maintenance(self, operation, reason):
        """Write the flag (``reason``, or False to end it) and publish the
        map, committed at once in a cursor of its own; returns when every
        process will see it on its next request."""
        self.ensure_one()
        started = time.monotonic()
        with Registry(self.env.cr.dbname).cursor() as cr:
            instance = self.with_env(self.env(cr=cr))
            instance._write_state_machine({"maintenance_reason": reason})
            instance._publish_routes()
            instance._log(operation, "maintenance", "done", started,
                          _("Maintenance page on: %s", reason) if reason
                          else _("Maintenance page off."))
        self.invalidate_recordset(["maintenance_reason"])

    @contextlib.contextmanager
    def _maintenance(self, operation, reason):
        """Run the block behind the router's maintenance page.  The page
        goes off when the block ends, raised or not: a caller that must keep
        it on (a failure to repair first) calls ``_set_maintenance`` itself.
        Enter it before the caller's transaction writes this instance (the
        flag is written from a cursor of its own, which would wait on that
        row lock)."""
        self.ensure_one()
        if self.maintenance_reason:
            raise UserError(_("%(name)s is already in maintenance (%(why)s).",
                              name=self.display_name, why=self.maintenance_reason))
        self._set_maintenance(operation, reason)
        try:
            yield
        finally:
            self._set_maintenance(operation, False)

    def action_end_maintenance(self):
        """A SaaS manager ends a maintenance a killed job left on."""
        if not self.env.user.has_group("saas_base.group_saas_manager"):
            raise UserError(_("Only a SaaS manager may end a maintenance."))
        for instance in self.filtered("maintenance_reason"):
            instance._set_maintenance("reconcile", False)
            instance.message_post(body=_("Maintenance ended by %s.", self.env.user.name))
        return True
