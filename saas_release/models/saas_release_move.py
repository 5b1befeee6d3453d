from odoo import fields, models


class SaasReleaseMove(models.AbstractModel):
    """What a rehearsal and a promotion share: which instance, from which
    release to which, in which rollout, when and how long."""

    _name = "saas.release.move"
    _description = "SaaS Release Move (an instance towards a release)"

    instance_id = fields.Many2one("saas.instance", required=True, readonly=True,
                                  ondelete="cascade", index=True)
    release_id = fields.Many2one("saas.release", string="To Release", required=True,
                                 readonly=True, ondelete="restrict")
    from_release_id = fields.Many2one("saas.release", string="From Release", readonly=True,
                                      ondelete="set null")
    rollout_id = fields.Many2one("saas.release.rollout", readonly=True, ondelete="set null",
                                 index=True)
    date = fields.Datetime(default=fields.Datetime.now, readonly=True)
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 1))
    update_seconds = fields.Float(string="Update (s)", readonly=True, digits=(16, 1))
