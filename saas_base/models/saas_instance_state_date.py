from odoo import api, fields, models


class SaasInstance(models.Model):
    """When the instance reached its state: the overview counts churn (and
    other moves) over a window with it.  Written by the state machine only."""

    _inherit = "saas.instance"

    state_date = fields.Datetime(string="State Since", readonly=True, copy=False, index=True)

    @api.model
    def _state_machine_fields(self):
        return super()._state_machine_fields() | {"state_date"}

    def _set_state(self, new_state, message=None):
        res = super()._set_state(new_state, message=message)
        self._write_state_machine({"state_date": fields.Datetime.now()})
        self._hook_state_changed(new_state)
        return res

    def _hook_state_changed(self, new_state):
        """After a move of state (the server alert recounts its instances)."""
        return True
