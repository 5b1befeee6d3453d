"""Who may write the state machine's fields: the state machine alone
(``_set_state`` and the code calling ``_write_state_machine``)."""
from odoo import _, api, models
from odoo.exceptions import AccessError

# Fields of the state machine (see SaasInstance._state_machine_fields) are
# written only by code holding this object in its context, under this key.
# RPC callers can send any JSON context, never this very object: the gate is
# an identity check, so a context key alone opens nothing.
_STATE_MACHINE_KEY = "saas_base_state_machine"
_STATE_MACHINE_TOKEN = object()


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    @api.model
    def _state_machine_fields(self):
        """Fields that only the state machine writes (``_set_state`` and the
        code that calls ``_write_state_machine``).  Extend with super() |
        {...} to protect more (saas_provisioning: ``provision_step``)."""
        return {"state", "suspend_reason", "suspend_cause"}

    def _in_state_machine(self):
        return self.env.context.get(_STATE_MACHINE_KEY) is _STATE_MACHINE_TOKEN

    def _write_state_machine(self, vals):
        """Write ``vals``, which may hold state machine fields, bypassing the
        guard of write().  For server code only (private: not reachable over
        RPC); it checks no transition, use ``_set_state`` to move ``state``.
        Nested calls made while writing see the permission too."""
        return self.with_context(
            **{_STATE_MACHINE_KEY: _STATE_MACHINE_TOKEN}
        ).write(vals)

    @api.model
    def _create_state_machine(self, vals_list):
        """Create instances directly in the given states (demo data, tests,
        imports of existing tenants).  Server code only, like
        ``_write_state_machine``; the records come back without the
        permission in their context."""
        records = self.with_context(
            **{_STATE_MACHINE_KEY: _STATE_MACHINE_TOKEN}
        ).create(vals_list)
        return records.with_env(self.env)

    def _state_machine_refusal(self, fnames):
        return AccessError(
            _(
                "The field(s) %(fields)s of SaaS instances are written by the state "
                "machine only: use the instance's actions (provision, suspend, "
                "reactivate, terminate) instead of writing them.",
                fields=", ".join(sorted(fnames)),
            )
        )

    def _state_machine_initial_value(self, fname):
        """The only value a new record may get for a state machine field
        outside the state machine: the field's own default (``draft``)."""
        field = self._fields[fname]
        return field.default(self) if field.default else False

    def _check_state_machine_create(self, vals_list):
        if self._in_state_machine():
            return
        protected = self._state_machine_fields()
        context = self.env.context
        refused = set()
        for vals in vals_list:
            for fname in protected:
                initial = self._state_machine_initial_value(fname)
                if fname in vals:
                    value = vals[fname]
                elif f"default_{fname}" in context:
                    # create() would apply context defaults: same rule
                    value = context[f"default_{fname}"]
                else:
                    # nor may a user default (ir.default) put anything else
                    vals[fname] = initial
                    continue
                if value != initial and (value or initial):
                    refused.add(fname)
        if refused:
            raise self._state_machine_refusal(refused)

    def _check_state_machine_write(self, vals):
        if self._in_state_machine():
            return
        refused = self._state_machine_fields() & set(vals)
        if refused:
            raise self._state_machine_refusal(refused)
