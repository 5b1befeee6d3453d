from odoo import fields, models


class SaasInstanceLog(models.Model):
    """One step of a long operation on an instance: what ran, how long, how it ended."""

    _name = "saas.instance.log"
    _description = "SaaS Instance Operation Log"
    _order = "id desc"

    instance_id = fields.Many2one("saas.instance", required=True, ondelete="cascade", index=True)
    operation = fields.Selection(
        [("provision", "Provision"), ("suspend", "Suspend"), ("reactivate", "Reactivate"),
         ("terminate", "Terminate"), ("update", "Update modules"), ("reconcile", "Reconcile"),
         ("usage", "Usage"), ("limits", "Limits"), ("watchdog", "Watchdog")],
        required=True,
    )
    step = fields.Char(required=True)
    result = fields.Selection(
        [("done", "Done"), ("retry", "Retry"), ("failed", "Failed")], required=True
    )
    duration_ms = fields.Integer(string="Duration (ms)")
    message = fields.Text()
