"""A rollout: instances moved to a release in waves, a canary share first,
then the rest.  Each instance is rehearsed (when asked) and promoted; a
wave stops as soon as its failures exceed ``max_failure_rate`` of its size
(lib/waves.py), and no later wave starts."""
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import waves
from .saas_instance_release import RELEASE_CHANNEL


class SaasReleaseRollout(models.Model):
    _name = "saas.release.rollout"
    _description = "SaaS Release Rollout (waves of promotions)"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    release_id = fields.Many2one("saas.release", required=True, ondelete="restrict",
                                 tracking=True)
    instance_ids = fields.Many2many(
        "saas.instance", string="Instances",
        domain="[('state', 'in', ('active', 'suspended')), ('release_id', '!=', release_id)]",
        help="Empty: every active or suspended instance on another release.")
    canary_share = fields.Float(default=0.1, tracking=True,
                                help="Share of the instances updated first (0 to 1].")
    max_failure_rate = fields.Float(
        default=0.0, tracking=True,
        help="A wave stops as soon as its failed updates exceed this share of its size "
             "(0: the first failure stops it).")
    rehearse_first = fields.Boolean(
        default=True, help="Rehearse each instance on a neutralised clone first; a failed "
                           "rehearsal counts as a failure and the instance is not touched.")
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Done"), ("stopped", "Stopped")],
        default="draft", readonly=True, tracking=True)
    wave = fields.Integer(readonly=True, help="The wave running or last run (1: the canary).")
    wave_plan = fields.Json(readonly=True)
    update_ids = fields.One2many("saas.release.update", "rollout_id", string="Updates")
    rehearsal_ids = fields.One2many("saas.release.rehearsal", "rollout_id",
                                    string="Rehearsals")
    summary = fields.Char(readonly=True)

    @api.depends("release_id")
    def _compute_name(self):
        for rollout in self:
            rollout.name = _("Rollout of %s", rollout.release_id.name or "")

    @api.constrains("canary_share", "max_failure_rate")
    def _check_rates(self):
        for rollout in self:
            if not 0 < rollout.canary_share <= 1:
                raise ValidationError(_("The canary share must be above 0 and at most 1."))
            if not 0 <= rollout.max_failure_rate < 1:
                raise ValidationError(_("The failure rate must be from 0 to below 1."))

    def _check_manager(self):
        if not self.env.user.has_group("saas_base.group_saas_manager"):
            raise UserError(_("Only a SaaS manager may roll out a release."))

    def _targets(self):
        self.ensure_one()
        instances = self.instance_ids or self.env["saas.instance"].search(
            [("state", "in", ("active", "suspended"))])
        return instances.filtered(lambda i: i.state in ("active", "suspended")
                                  and i.release_id != self.release_id).sorted("id")

    def action_start(self):
        self._check_manager()
        for rollout in self:
            if rollout.state != "draft":
                raise UserError(_("This rollout has started already."))
            targets = rollout._targets()
            if not targets:
                raise UserError(_("No instance to move to %s.", rollout.release_id.name))
            rollout.write({"state": "running", "wave": 1,
                           "wave_plan": waves.plan(targets.ids, rollout.canary_share)})
            rollout.message_post(body=_("Started: canary %(canary)s, then %(rest)s instances.",
                                        canary=len(rollout.wave_plan[0]),
                                        rest=len(rollout.wave_plan[1])))
            rollout._queue_wave(1)
        return True

    def action_rehearse(self):
        """Rehearse every target now (nothing promoted)."""
        self._check_manager()
        for rollout in self:
            for instance in rollout._targets():
                instance._queue_rehearsal(rollout.release_id, rollout)
        return True

    def _queue_wave(self, index):
        self.ensure_one()
        return self.with_delay(
            channel=RELEASE_CHANNEL, max_retries=1,
            description=_("%(name)s: wave %(n)s", name=self.name, n=index),
            identity_key=f"saas_release_rollout_{self.id}_{index}",
        )._job_wave(index)

    def _job_wave(self, index):
        """Wave ``index`` (1: the canary), one instance after the other;
        idempotent (an instance already updated by this rollout is skipped)."""
        self.ensure_one()
        if self.state != "running" or self.wave != index:
            return _("Skipped: rollout is %(state)s at wave %(wave)s",
                     state=self.state, wave=self.wave)
        ids = self.wave_plan[index - 1]
        Instance = self.env["saas.instance"]
        failed = 0
        for instance in Instance.browse(ids).exists():
            done = self.update_ids.filtered(lambda u, i=instance: u.instance_id == i)
            if done:
                failed += bool(done._failed())
                continue
            if instance.state not in ("active", "suspended") or \
                    instance.release_id == self.release_id:
                continue
            if not self._update_one(instance):
                failed += 1
            if waves.must_stop(failed, len(ids), self.max_failure_rate):
                self.write({"state": "stopped", "summary": _(
                    "Wave %(n)s stopped: %(failed)s of %(size)s failed (limit %(rate).0f%%).",
                    n=index, failed=failed, size=len(ids), rate=self.max_failure_rate * 100)})
                self.message_post(body=self.summary)
                return self.summary
        if index < len(self.wave_plan) and self.wave_plan[index]:
            self.wave = index + 1
            self._queue_wave(index + 1)
        else:
            self.write({"state": "done", "summary": _("Every wave done.")})
        return _("Wave %(n)s done: %(failed)s failed", n=index, failed=failed)

    def _update_one(self, instance):
        """Rehearse (when asked) then promote ``instance``, in this job;
        True when it ends on the release."""
        if self.rehearse_first:
            rehearsal = instance._job_rehearse(self.release_id, self)
            # the rehearsal wrote the instance's row: released before the
            # promotion's own cursors write it
            self.env.cr.commit()
            if rehearsal.state != "passed":
                update = self.env["saas.release.update"].sudo().create({
                    "instance_id": instance.id, "release_id": self.release_id.id,
                    "from_release_id": instance.release_id.id, "rollout_id": self.id,
                    "state": "recovered", "step": "rehearsal",
                    "summary": _("Rehearsal failed, not promoted: %s", rehearsal.summary)})
                instance._tell_release_failed(update)
                return False
        update = self.env["saas.release.update"].sudo().create({
            "instance_id": instance.id, "release_id": self.release_id.id,
            "from_release_id": instance.release_id.id, "rollout_id": self.id})
        self.env.cr.commit()
        instance._job_promote(update)
        return update.state == "success"
