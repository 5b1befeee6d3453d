from odoo import api, fields, models


class SaasInstance(models.Model):
    """When the instance reached its state: the overview counts churn (and
    other moves) over a window with it; and the day it first became active
    (billing runs the trial from it).  Written by the state machine only."""

    _inherit = "saas.instance"

    state_date = fields.Datetime(string="State Since", readonly=True, copy=False, index=True)
    activation_date = fields.Date(
        string="Activated On", readonly=True, copy=False,
        help="The day the instance first became active.")

    @api.model
    def _state_machine_fields(self):
        return super()._state_machine_fields() | {"state_date", "activation_date"}

    def _on_state_changed(self, old_states, new_state, message=None):
        self._write_state_machine({"state_date": fields.Datetime.now()})
        if new_state == "active":
            for instance in self.filtered(lambda i: not i.activation_date):
                instance._write_state_machine(
                    {"activation_date": fields.Date.context_today(instance)})
        super()._on_state_changed(old_states, new_state, message)

    @api.model
    def _backfill_activation_date(self):
        """Instances active or suspended before the activation date was
        recorded (18.0.1.2.0) get the day they were created: provisioning
        takes seconds, so it is the day they became active.  Returns them."""
        missing = self.with_context(active_test=False).search([
            ("state", "in", ("active", "suspended")), ("activation_date", "=", False)])
        for instance in missing:
            instance._write_state_machine({"activation_date": fields.Date.context_today(
                instance, instance.create_date)})
        return missing

