"""The instance's actions (buttons and API) and the hooks they delegate to
(saas_provisioning does the work), and which instances are live."""
from odoo import _, api, models
from odoo.exceptions import UserError

# the states of an instance whose tenant database exists and is used
LIVE_STATES = ("active", "suspended")


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    @api.model
    def _live_domain(self, states=LIVE_STATES):
        """The search domain of the instances in ``states`` that have a
        database on a server: those the master reaches into."""
        return [("state", "in", list(states)), ("server_id", "!=", False),
                ("database_name", "!=", False)]

    def _live(self, states=LIVE_STATES):
        """The instances of ``self`` in ``states`` that have a database on a
        server (``_live_domain``, in memory)."""
        return self.filtered(lambda i: i.state in states and i.server_id and i.database_name)

    # Actions (buttons and API).  Each checks the move first, so a hook is
    # never run for a transition that would be refused, then delegates the
    # work to a hook that saas_provisioning overrides.
    def _check_action_access(self):
        """Portal customers may read their instances (record rule) and these
        methods are public, so JSON-RPC reaches them; hooks act outside the
        transaction (the tenant's settings are written over SQL) before an ORM
        write would be refused.  Check write access first (a no-op in sudo,
        so jobs and crons are unaffected)."""
        self.check_access("write")

    def action_provision(self):
        self._check_action_access()
        self._check_transition("provisioning")
        for instance in self.filtered(lambda i: not i.server_id):
            server = self.env["saas.server"]._pick_for_new_instance(
                instance.template_id or instance.plan_id.template_id)
            if not server:
                raise UserError(
                    _("No server is up with free capacity for instance %(name)s.",
                      name=instance.display_name)
                )
            instance.server_id = server
        return self._hook_provision()

    def action_suspend(self, reason=None, cause="manual"):
        """Suspend, saying why (``reason``, shown to the customer) and what
        did it (``cause``, one of ``suspend_cause``'s values)."""
        self._check_action_access()
        self._check_transition("suspended")
        self._write_state_machine({"suspend_reason": reason or False,
                                   "suspend_cause": cause or "manual"})
        return self._hook_suspend(reason)

    def action_reactivate(self):
        self._check_action_access()
        self._check_transition("active")
        # provisioning -> active is the provisioning's own move, not a
        # reactivation: only suspended instances can be reactivated.
        wrong = self.filtered(lambda i: i.state != "suspended")
        if wrong:
            raise UserError(
                _(
                    "Instance %(name)s cannot be reactivated from %(old)s to %(new)s: "
                    "only suspended instances can.",
                    name=wrong[0].display_name,
                    old=wrong[0]._state_label(wrong[0].state),
                    new=wrong[0]._state_label("active"),
                )
            )
        return self._hook_reactivate()

    def action_terminate(self):
        return self._terminate()

    def _terminate(self, waived=frozenset()):
        """Terminate unless a check refuses it (``_check_can_terminate``);
        ``waived`` names the checks a SaaS manager waived (saas_backup:
        ``"backup"``).  Private: RPC reaches only ``action_terminate``."""
        self._check_action_access()
        self._check_transition("terminated")
        self._check_can_terminate(waived)
        return self._hook_terminate()

    def _check_can_terminate(self, waived=frozenset()):
        """Hook: raise UserError to refuse a termination (saas_backup:
        without a recent backup), unless its name is in ``waived``."""
        return True

    def action_fail(self, message=None):
        self._check_action_access()
        return self._set_state("failed", message)

    def action_mark_failed(self):
        return self.action_fail()

    def _hook_provision(self):
        """Create the tenant.  Base alone only walks the state machine."""
        self._set_state("provisioning")
        self._set_state("active")
        return True

    def _hook_suspend(self, reason=None):
        self._set_state("suspended", reason)
        return True

    def _hook_reactivate(self):
        self._set_state("active")
        return True

    def _hook_terminate(self):
        self._set_state("terminated")
        return True

    def action_open_url(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self.url, "target": "new"}
