from odoo import fields, models


class SaasReleaseRehearsal(models.Model):
    """One rehearsal of an instance's update to a release: a neutralised
    clone of its database updated on that release and smoke-checked, then
    dropped.  Written by the rehearsal job only."""

    _name = "saas.release.rehearsal"
    _description = "SaaS Release Rehearsal"
    _order = "id desc"

    instance_id = fields.Many2one("saas.instance", required=True, readonly=True,
                                  ondelete="cascade", index=True)
    release_id = fields.Many2one("saas.release", string="To Release", required=True,
                                 readonly=True, ondelete="restrict")
    from_release_id = fields.Many2one("saas.release", string="From Release", readonly=True,
                                      ondelete="set null")
    rollout_id = fields.Many2one("saas.release.rollout", readonly=True, ondelete="set null")
    state = fields.Selection([("running", "Running"), ("passed", "Passed"),
                              ("failed", "Failed")], default="running", required=True,
                             readonly=True)
    date = fields.Datetime(default=fields.Datetime.now, readonly=True)
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 1))
    update_seconds = fields.Float(string="Update (s)", readonly=True, digits=(16, 1))
    summary = fields.Char(readonly=True)
    checks = fields.Text(readonly=True, help="Each smoke check and its outcome.")
    log_excerpt = fields.Text(readonly=True)
