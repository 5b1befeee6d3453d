from odoo import api, fields, models


class SaasInstance(models.Model):
    """When the instance reached its state: the overview counts churn (and
    other moves) over a window with it.  Written by the state machine only."""

    _inherit = "saas.instance"

    state_date = fields.Datetime(string="State Since", readonly=True, copy=False, index=True)

    @api.model
    def _state_machine_fields(self):
        return super()._state_machine_fields() | {"state_date"}

    def _on_state_changed(self, old_states, new_state, message=None):
        self._write_state_machine({"state_date": fields.Datetime.now()})
        super()._on_state_changed(old_states, new_state, message)
