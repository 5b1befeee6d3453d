from odoo import fields, models


class SaasReleaseRehearsal(models.Model):
    """One rehearsal of an instance's update to a release: a neutralised
    clone of its database updated on that release and smoke-checked, then
    dropped.  Written by the rehearsal job only."""

    _name = "saas.release.rehearsal"
    _inherit = ["saas.release.move"]
    _description = "SaaS Release Rehearsal"
    _order = "id desc"

    state = fields.Selection([("running", "Running"), ("passed", "Passed"),
                              ("failed", "Failed")], default="running", required=True,
                             readonly=True)
    summary = fields.Char(readonly=True)
    checks = fields.Text(readonly=True, help="Each smoke check and its outcome.")
    log_excerpt = fields.Text(readonly=True)

