import time
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.saas_provisioning.adapters.errors import AdapterError, DatabaseNotOursError
from odoo.addons.saas_provisioning.adapters.tenant_db import TenantDatabase
from odoo.addons.saas_provisioning.tools import registries
from odoo.addons.saas_base.tools import settings
from odoo.addons.saas_router import tenant_contract as contract
from odoo.addons.saas_router.routing import tenant_db_prefix

from ..lib import archive, policy
from ..lib.storage import StorageError
from .saas_backup import BACKUP_CHANNEL

HEALTH = [("none", "Not configured"), ("normal", "Normal"), ("warning", "Warning"),
          ("danger", "Danger")]
RESTORE_ERRORS = (StorageError, archive.ArchiveError, AdapterError, psycopg2.Error, OSError)


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

    # ------------------------------------------------------------------
    # restore into a new instance (a neutralised copy)
    # ------------------------------------------------------------------
    def _restore_copy(self, backup, subdomain, name=None):
        """Create a draft instance for the copy and queue its restore; it
        becomes active (routable) only once restored and neutralised."""
        backup._check_restorable()
        source = backup.instance_id
        copy = self.create({
            "name": name or _("%s (copy)", source.name), "subdomain": subdomain,
            "partner_id": source.partner_id.id, "plan_id": source.plan_id.id,
            "template_id": source.template_id.id, "server_id": source.server_id.id,
            "backup_schedule": "none",
        })
        copy._check_database_name_free()
        job = copy.with_delay(channel=BACKUP_CHANNEL, priority=5, max_retries=3,
                              description=_("Restore %(src)s into %(db)s",
                                            src=backup.key, db=copy.database_name),
                              identity_key=f"saas_restore_copy_{copy.id}",
                              )._job_restore_copy(backup)
        copy.current_job_uuid = job.uuid
        copy.message_post(body=_("Restore of %s queued.", backup.key))
        return copy

    def _job_restore_copy(self, backup):
        self.ensure_one()
        if self.state != "draft":
            return _("Skipped: instance is %s", self.state)
        server = self.server_id
        pg, files = server._pg_admin(), server._filestore()
        role, dbname = self._role_name(), self.database_name
        started = time.monotonic()
        try:
            # LOGIN: the restore logs in as it; no route until
            # _make_reachable, so never reachable half-made
            self._ensure_role(login=True)
            owner = pg.database_owner(dbname)
            if owner and owner != role:
                raise DatabaseNotOursError(_(
                    "Database %(db)s exists and belongs to %(owner)s: refusing to restore "
                    "into it.", db=dbname, owner=owner))
            if owner:  # ours, from an earlier try that stopped halfway
                pg.drop(dbname)
            _psql_s, file_count = backup._restore_into(dbname, role, files.path(dbname))
            self._log("restore", "load", "done", started, _(
                "%(key)s restored (%(n)s files)", key=backup.key, n=file_count))
            t_step = time.monotonic()
            self._neutralise_copy()
            self._push_tenant_settings({contract.SUSPENDED: False})
            self._log("restore", "neutralise", "done", t_step)
            self._make_reachable("restore")
        except DatabaseNotOursError as exc:
            self._log("restore", "load", "failed", started, str(exc))
            self.message_post(body=str(exc))
            return str(exc)
        except RESTORE_ERRORS as exc:
            self._log("restore", "load", "retry", started, str(exc))
            raise RetryableJobError(str(exc), seconds=10) from exc
        self._write_state_machine({"provision_step": "verify"})
        self._set_state("provisioning")
        self._set_state("active", _("Restored from %s (neutralised copy).", backup.key))
        self.current_job_uuid = False
        return _("Restored %s", backup.key)

    # ------------------------------------------------------------------
    # restore in place (after a safety backup)
    # ------------------------------------------------------------------
    def _restore_in_place(self, backup):
        self.ensure_one()
        backup._check_restorable()
        if backup.instance_id != self:
            raise UserError(_("This backup belongs to another instance."))
        if self.state not in ("active", "suspended"):
            raise UserError(_("Only an active or suspended instance can be restored in place."))
        job = self.with_delay(channel=BACKUP_CHANNEL, priority=5, max_retries=3,
                              description=_("Restore %s in place", backup.key),
                              identity_key=f"saas_restore_in_place_{self.id}",
                              )._job_restore_in_place(backup)
        self.message_post(body=_("Restore in place from %s queued (a safety backup is "
                                 "taken first).", backup.key))
        return job

    def _job_restore_in_place(self, backup):
        """Safety backup; restore into a scratch database beside the live
        one (owned by the tenant's role, unroutable); then swap them while
        the role may not log in."""
        self.ensure_one()
        if self.state not in ("active", "suspended"):
            return _("Skipped: instance is %s", self.state)
        started = time.monotonic()
        server = self.server_id
        pg, files = server._pg_admin(), server._filestore()
        role, dbname = self._role_name(), self.database_name
        scratch = self._restore_scratch_name()
        if not pg.exists(dbname) and pg.database_owner(scratch) == role:
            # an earlier try stopped between the drop and the rename
            self._swap_in(scratch)
            return _("Finished the swap of an earlier try")
        safety = self._create_backup("safety")
        result = safety._job_run()  # raises RetryableJobError on storage trouble
        if safety.state != "done":
            message = _("Restore in place abandoned: the safety backup failed (%s).", result)
            self.message_post(body=message)
            return message
        try:
            pg.drop(scratch)
            files.remove(scratch)
            # a suspended tenant's role may not log in: the master's window
            # (which takes the LOGIN of the swap back when it ends)
            with self._tenant_window():
                backup._restore_into(scratch, role, files.path(scratch))
                settings = self._tenant_db().read_settings()
                # the master's own settings table, written as the master
                TenantDatabase(server._connection_params(), scratch).write_settings(settings)
                self._log("restore", "load", "done", started, backup.key)
                self._swap_in(scratch)
        except RESTORE_ERRORS as exc:
            self._log("restore", "load", "retry", started, str(exc))
            raise RetryableJobError(str(exc), seconds=10) from exc
        self.message_post(body=_("Restored in place from %(key)s; safety backup %(safety)s.",
                                 key=backup.key, safety=safety.key))
        return _("Restored %s in place", backup.key)

    def _restore_scratch_name(self):
        # a "_" right after the tenant prefix: no subdomain maps to it
        return f"{tenant_db_prefix()}_restore_{self.id}"

    def _swap_in(self, scratch):
        """Replace the live database and filestore by ``scratch``'s while the
        tenant's role may not log in (nobody reaches either meanwhile)."""
        started = time.monotonic()
        server = self.server_id
        pg, files = server._pg_admin(), server._filestore()
        role, dbname = self._role_name(), self.database_name
        pg.set_login(role, False)
        registries.forget_database(dbname)
        pg.drop(dbname)
        pg.rename(scratch, dbname)
        files.remove(dbname)
        files.rename(scratch, dbname)
        pg.set_login(role, True)
        self._log("restore", "swap", "done", started)
