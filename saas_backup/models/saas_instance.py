from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.saas_base.tools import settings

from ..lib import policy

HEALTH = [("none", "Not configured"), ("normal", "Normal"), ("warning", "Warning"),
          ("danger", "Danger")]


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    backup_schedule = fields.Selection(
        [("none", "No backups"), ("daily", "Daily"), ("weekly", "Weekly")],
        default="daily", required=True, tracking=True,
        help="How often the scheduler backs this instance up (when a backup storage is set "
             "in the settings).")
    backup_ids = fields.One2many("saas.backup", "instance_id", string="Backups")
    backup_count = fields.Integer(compute="_compute_backup_count")
    last_backup_id = fields.Many2one("saas.backup", readonly=True, copy=False,
                                     string="Last Backup")
    last_backup_at = fields.Datetime(readonly=True, copy=False, string="Last Backup On")
    backup_health = fields.Selection(
        HEALTH, default="none", readonly=True, copy=False, index=True,
        help="Normal: last backup less than a day old; warning: 1 to 5 days; danger: older, "
             "never, or its restore drill failed; not configured: no storage or no schedule.")

    def _compute_backup_count(self):
        counts = dict(self.env["saas.backup"]._read_group(
            [("instance_id", "in", self.ids), ("state", "=", "done")],
            ["instance_id"], ["__count"]))
        for instance in self:
            instance.backup_count = counts.get(instance, 0)

    # ------------------------------------------------------------------
    # configuration
    # ------------------------------------------------------------------
    @api.model
    def _backup_storage(self):
        storage_id = settings.get(self.env, "saas_backup.storage_id")
        storage = self.env["saas.backup.storage"].sudo().browse(storage_id).exists()
        return storage if storage.active else storage.browse()

    @api.model
    def _retention(self):
        return {key: settings.get(self.env, f"saas_backup.keep_{key}")
                for key in policy.DEFAULT_RETENTION}

    def _backup_configured(self):
        self.ensure_one()
        return bool(self._backup_storage()) and self.backup_schedule != "none"

    # ------------------------------------------------------------------
    # backups
    # ------------------------------------------------------------------
    def _create_backup(self, kind="manual"):
        """A pending backup record (its object key fixed now) and its job."""
        self.ensure_one()
        storage = self._backup_storage()
        if not storage:
            raise UserError(_("Set a backup storage in the SaaS settings first."))
        if self.state not in ("active", "suspended"):
            raise UserError(_("Only active or suspended instances can be backed up."))
        backup = self.env["saas.backup"].sudo().create({
            "instance_id": self.id, "storage_id": storage.id, "kind": kind,
            "database_name": self.database_name,
        })
        backup.key = (f"{self.database_name}/"
                      f"{backup.create_date:%Y%m%dT%H%M%S}Z-{backup.id}.zip")
        return backup

    def action_backup_now(self):
        self._check_action_access()
        for instance in self:
            instance._create_backup("manual")._enqueue()
            instance.message_post(body=_("Backup queued."))
        return True

    def _backup_failed(self, backup, message):
        """THE place where a failed backup (or a failed restore drill) is
        recorded: the backup says why, the instance's chatter and health show
        it.  Other addons (webhooks, alerts) extend this method."""
        self.ensure_one()
        if backup.state == "pending":
            backup.write({"state": "failed", "message": message})
        self.message_post(body=message, subtype_xmlid="mail.mt_note")
        self._update_backup_health()
        return True

    def _update_backup_health(self, now=None):
        now = now or fields.Datetime.now()
        Backup = self.env["saas.backup"].sudo()
        for instance in self:
            last = Backup.search([("instance_id", "=", instance.id), ("state", "=", "done")],
                                 order="done_at desc, id desc", limit=1)
            drilled = Backup.search([("instance_id", "=", instance.id),
                                     ("drill_state", "!=", "none")],
                                    order="drill_date desc, id desc", limit=1)
            health = policy.health(instance._backup_configured(), last.done_at or None, now,
                                   drill_failed=drilled.drill_state == "failed")
            if (instance.last_backup_id, instance.last_backup_at, instance.backup_health) != (
                    last, last.done_at or False, health):
                instance.sudo().write({"last_backup_id": last.id, "last_backup_at": last.done_at,
                                       "backup_health": health})

    def _prune_backups(self):
        """Apply retention to the done backups of each instance."""
        retention = self._retention()
        for instance in self:
            done = instance.backup_ids.filtered(lambda b: b.state == "done")
            pruned = policy.select_pruned([(b.id, b.done_at) for b in done], **retention)
            done.filtered(lambda b, p=pruned: b.id in p)._prune()

    @api.model
    def _cron_backup_schedule(self, now=None):
        """Queue the backups that are due, prune by retention, refresh health:
        each instance isolated (``_each_isolated``), one that fails is logged
        and the others are still backed up."""
        now = now or fields.Datetime.now()
        live = self.search([("state", "in", ("active", "suspended"))])
        configured = bool(self._backup_storage())
        queued, _failed = live._each_isolated(
            "backup", "schedule", lambda instance: instance._backup_schedule(now, configured))
        return self.browse(queued.ids)

    # ------------------------------------------------------------------
    # terminate: refused without a recent backup
    # ------------------------------------------------------------------
    def _check_can_terminate(self, waived=frozenset()):
        super()._check_can_terminate(waived)
        if "backup" in waived:
            return True
        if not settings.get(self.env, "saas_backup.require_before_terminate"):
            return True
        max_age = timedelta(hours=settings.get(self.env, "saas_backup.terminate_max_age_hours"))
        for instance in self.filtered(lambda i: i.state in ("active", "suspended")):
            if not instance._backup_configured():
                continue
            recent = instance.backup_ids.filtered(
                lambda b: b.state == "done" and b.done_at >= fields.Datetime.now() - max_age)
            if not recent:
                raise UserError(_(
                    "Instance %(name)s has no backup of the last %(hours)s hours: back it up "
                    "first (Back up now), or a SaaS manager may force the termination.",
                    name=instance.display_name, hours=int(max_age.total_seconds() // 3600)))
        return True

    def action_terminate_forced(self):
        """Terminate without a recent backup: SaaS managers only, logged."""
        if not self.env.user.has_group("saas_base.group_saas_manager"):
            raise AccessError(_("Only a SaaS manager may terminate without a recent backup."))
        for instance in self:
            instance.message_post(body=_("Termination forced without a recent backup by %s.",
                                         self.env.user.name))
        return self._terminate(waived={"backup"})

