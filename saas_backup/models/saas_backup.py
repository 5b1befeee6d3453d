import contextlib
import json
import logging
import tempfile
import time

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.release import major_version, serie, version, version_info

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.saas_provisioning.adapters.errors import AdapterError
from odoo.addons.saas_base.tools import settings
from odoo.addons.saas_router.routing import tenant_db_prefix

from ..lib import archive
from ..lib.storage import ChecksumMismatchError, StorageError

_logger = logging.getLogger(__name__)

BACKUP_CHANNEL = "root.saas_backup"
# attempts of one backup before it is failed for good (the job's retry
# pattern spaces them out)
MAX_ATTEMPTS = 3
RETRY_SECONDS = 30


class SaasBackup(models.Model):
    _name = "saas.backup"
    _description = "Tenant Backup"
    _order = "create_date desc, id desc"
    _rec_name = "key"

    instance_id = fields.Many2one("saas.instance", required=True, index=True,
                                  ondelete="restrict", readonly=True)
    partner_id = fields.Many2one(related="instance_id.partner_id", store=True)
    storage_id = fields.Many2one("saas.backup.storage", required=True, readonly=True,
                                 ondelete="restrict")
    database_name = fields.Char(readonly=True, required=True)
    key = fields.Char(readonly=True, help="Object key in the storage (below its prefix).")
    kind = fields.Selection([("scheduled", "Scheduled"), ("manual", "Manual"),
                             ("safety", "Safety (before a restore)")],
                            default="manual", required=True, readonly=True)
    state = fields.Selection([("pending", "Pending"), ("done", "Done"), ("failed", "Failed"),
                              ("pruned", "Pruned")],
                             default="pending", required=True, readonly=True, index=True,
                             help="Only done backups exist in the storage and can be restored.")
    done_at = fields.Datetime(readonly=True)
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 2))
    size_bytes = fields.Integer(readonly=True)
    size_mb = fields.Float(string="Size (MB)", compute="_compute_size_mb", digits=(16, 2))
    sha256 = fields.Char(string="SHA-256", readonly=True)
    message = fields.Text(readonly=True)
    manifest = fields.Text(readonly=True, help="manifest.json of the archive: modules, row "
                           "counts of every table and filestore checksums at backup time.")
    filestore_files = fields.Integer(readonly=True)
    drill_state = fields.Selection([("none", "Not drilled"), ("passed", "Passed"),
                                    ("failed", "Failed")], default="none", readonly=True,
                                   string="Restore Drill")
    drill_date = fields.Datetime(readonly=True)
    drill_message = fields.Text(readonly=True)
    log_ids = fields.One2many("saas.instance.log", "backup_id", string="Log")

    @api.depends("size_bytes")
    def _compute_size_mb(self):
        for backup in self:
            backup.size_mb = (backup.size_bytes or 0) / 2**20

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _log(self, step, result, started, message=None):
        self.ensure_one()
        self.instance_id._log("backup", step, result, started, message, backup_id=self.id)

    def _storage(self):
        return self.storage_id._storage()

    def _tenant_role(self):
        return self.instance_id._role_name()

    def _file_name(self):
        return f"{self.database_name}_{self.create_date:%Y-%m-%d_%H-%M-%S}.zip"

    def _attempts(self):
        return self.env["saas.instance.log"].sudo().search_count(
            [("backup_id", "=", self.id), ("result", "=", "retry")])

    # ------------------------------------------------------------------
    # backup
    # ------------------------------------------------------------------
    def _enqueue(self):
        self.ensure_one()
        return self.with_delay(
            channel=BACKUP_CHANNEL, priority=15 if self.kind == "scheduled" else 5,
            max_retries=MAX_ATTEMPTS + 2,
            description=_("Back up %s", self.database_name),
            identity_key=f"saas_backup_{self.id}",
        )._job_run()

    def _job_run(self):
        """Dump + filestore into a temporary zip, upload it, record it.
        Idempotent: the object key is fixed by the record, a rerun overwrites
        it; the record says done only after the upload completed.  Storage or
        dump errors are retried MAX_ATTEMPTS times, then the backup is failed
        (``saas.instance._backup_failed``), with no object left."""
        self.ensure_one()
        self = self.sudo()  # noqa: PLW0642 -- a job of the backup service, whoever queued it
        if self.state != "pending":
            return _("Skipped: backup is %s", self.state)
        started = time.monotonic()
        step = "dump"
        try:
            with tempfile.TemporaryFile(prefix="saas-backup-") as tmp:
                manifest = self._write_archive(tmp)
                self._log("dump", "done", started, _(
                    "%(tables)s tables, %(files)s files",
                    tables=len(manifest["saas_backup"]["tables"]),
                    files=manifest["saas_backup"]["filestore_files"]))
                step, t_upload = "upload", time.monotonic()
                tmp.seek(0)
                size, sha = self._storage().put(self.key, tmp)
        except (StorageError, archive.ArchiveError, AdapterError, psycopg2.Error,
                OSError) as exc:
            message = _("%(step)s failed: %(error)s", step=step.capitalize(), error=exc)
            attempts = self._attempts() + 1
            if attempts < MAX_ATTEMPTS:
                self._log(step, "retry", started, message)
                raise RetryableJobError(message, seconds=RETRY_SECONDS) from exc
            self._log(step, "failed", started, message)
            self.instance_id._backup_failed(self, _(
                "Backup failed after %(n)s attempts. %(message)s", n=attempts, message=message))
            return message
        self.write({
            "state": "done", "done_at": fields.Datetime.now(), "size_bytes": size,
            "sha256": sha, "manifest": json.dumps(manifest, sort_keys=True),
            "filestore_files": manifest["saas_backup"]["filestore_files"],
            "duration": time.monotonic() - started, "message": False,
        })
        self._log("upload", "done", t_upload, _("%(mb).1f MB, sha256 %(sha)s",
                                                 mb=size / 2**20, sha=sha))
        self.instance_id._update_backup_health()
        return _("Uploaded %(key)s (%(mb).1f MB)", key=self.key, mb=size / 2**20)

    def _write_archive(self, out):
        instance = self.instance_id
        server = instance.server_id
        tenant = instance._tenant_db()
        modules = {}
        # a suspended tenant's role may not log in: the master's window
        with instance._tenant_window():
            try:
                with tenant._transaction(as_tenant=True) as cr:
                    cr.execute("SELECT name, latest_version FROM ir_module_module "
                               "WHERE state = 'installed'")
                    modules = dict(cr.fetchall())
            except AdapterError:
                _logger.warning("backup: cannot read the modules of %s", self.database_name)
            with instance._watchdog_exempt(self.env._("backup")):
                return archive.write_archive(
                    tenant.login_params(), self.database_name,
                    server._filestore().path(self.database_name), out, modules=modules,
                    extra={"version": version, "version_info": list(version_info),
                           "major_version": major_version or serie, "pg_version": ""})

    # ------------------------------------------------------------------
    # restore (used by the restore wizard and the drills)
    # ------------------------------------------------------------------
    def _check_restorable(self):
        for backup in self:
            if backup.state != "done":
                raise UserError(_("Only a completed backup can be restored (%s is %s).",
                                  backup.key, backup.state))

    def _download(self, out):
        """Fetch the object into ``out``, checking its sha256."""
        self.ensure_one()
        return self._storage().download(self.key, out, expected_sha256=self.sha256)

    @contextlib.contextmanager
    def _scratch_copy(self, scratch, purpose):
        """This backup restored into the scratch database ``scratch`` (as
        the tenant's role, inside its login window: what the block does
        there logs in as the role too; an earlier run's leftovers dropped
        first), dropped with its files when the block ends, whatever
        happens.  ``purpose`` names the work in the log (drill, rehearsal)."""
        instance = self.instance_id
        server = instance.server_id
        pg, files = server._pg_admin(), server._filestore()
        pg.drop(scratch)
        files.remove(scratch)
        try:
            with instance._tenant_window():
                self._restore_into(scratch, self._tenant_role(), files.path(scratch))
                yield files.path(scratch)
        finally:
            try:
                pg.drop(scratch)
                files.remove(scratch)
            except (AdapterError, OSError) as exc:
                _logger.warning("%s: cannot drop %s: %s", purpose, scratch, exc)

    def _restore_into(self, dbname, role, filestore_dir):
        """Download, then restore into a NEW database ``dbname`` born owned by
        ``role`` (which must exist), as that role; files into
        ``filestore_dir``.  Raises on any failure (the caller drops)."""
        self.ensure_one()
        server = self.instance_id.server_id
        with tempfile.TemporaryFile(prefix="saas-restore-") as tmp:
            self._download(tmp)
            tmp.seek(0)
            archive.create_tenant_database(server._connection_params(), dbname, role)
            login = server._tenant_db(dbname, role=role).login_params()
            with self.env["saas.watchdog.exemption"]._exempting(role, self.env._("restore")):
                return archive.restore_archive(login, tmp, dbname, filestore_dir)

    def _check_manager(self):
        # the archive is the customer's whole database: managers only
        # (these methods are public: JSON-RPC reaches them)
        if not self.env.user.has_group("saas_base.group_saas_manager"):
            raise AccessError(_("Only SaaS managers may download, restore or drill backups."))

    def action_download(self):
        """Backend: a short-lived link to the archive."""
        self.ensure_one()
        self._check_manager()
        self._check_restorable()
        url = self._download_url()
        if not url:
            raise UserError(_("This storage cannot make download links."))
        return {"type": "ir.actions.act_url", "url": url, "target": "new"}

    def _download_url(self):
        self.ensure_one()
        storage = self.storage_id.sudo()
        return storage._storage().download_url(self.key, expires_in=storage.url_expiry or 300,
                                               filename=self._file_name())

    def action_restore(self):
        self.ensure_one()
        self._check_manager()
        self._check_restorable()
        return {
            "type": "ir.actions.act_window", "res_model": "saas.backup.restore",
            "view_mode": "form", "target": "new", "name": _("Restore backup"),
            "context": {"default_backup_id": self.id},
        }

    # ------------------------------------------------------------------
    # retention
    # ------------------------------------------------------------------
    def _prune(self):
        """Delete these backups' objects, then mark them pruned."""
        for backup in self:
            started = time.monotonic()
            try:
                if backup.key:
                    backup._storage().delete(backup.key)
            except StorageError as exc:
                backup._log("prune", "failed", started, str(exc))
                continue
            backup.state = "pruned"
            backup._log("prune", "done", started, backup.key)

    # ------------------------------------------------------------------
    # restore drills
    # ------------------------------------------------------------------
    def _drill_db_name(self):
        # a leading "_" after the tenant prefix: no subdomain maps to it
        return f"{tenant_db_prefix()}_drill_{self.id}"

    def _job_drill(self):
        """Restore into a scratch database (as the tenant's role), compare
        with the manifest (row counts of every table, filestore count and
        checksums), record pass/fail, drop the scratch database."""
        self.ensure_one()
        self = self.sudo()  # noqa: PLW0642
        if self.state != "done":
            return _("Skipped: backup is %s", self.state)
        instance = self.instance_id
        server = instance.server_id
        scratch = self._drill_db_name()
        role = self._tenant_role()
        started = time.monotonic()
        if not server._pg_admin().role_exists(role):
            return _("Skipped: the tenant's role %s no longer exists", role)
        problems = []
        try:
            with self._scratch_copy(scratch, "drill") as filestore:
                manifest = json.loads(self.manifest or "{}")
                tables = list(manifest.get("saas_backup", {}).get("tables", {}))
                conn = server._tenant_db(scratch, role=role).connect_as_tenant()
                try:
                    counts = archive.table_counts(conn, tables)
                finally:
                    conn.close()
                problems = archive.compare(manifest, counts,
                                           archive.filestore_digest(filestore))
        except ChecksumMismatchError as exc:
            problems = [_("The stored object is corrupted: %s", exc)]
        except (StorageError, archive.ArchiveError, AdapterError, psycopg2.Error,
                OSError) as exc:
            problems = [_("Restore failed: %s", exc)]
        passed = not problems
        message = "\n".join(problems) if problems else _(
            "Restored and compared in %.1f s", time.monotonic() - started)
        self.write({"drill_state": "passed" if passed else "failed",
                    "drill_date": fields.Datetime.now(), "drill_message": message})
        self._log("drill", "done" if passed else "failed", started, message)
        instance._update_backup_health()
        if not passed:
            instance._backup_failed(self, _("Restore drill failed: %s", message))
        return message

    @api.model
    def _cron_drill(self, sample=None):
        """Queue a drill for a sample of recent backups: the newest done
        backup of each of the ``sample`` live instances drilled longest ago."""
        sample = sample or settings.get(self.env, "saas_backup.drill_sample")
        instances = self.env["saas.instance"].search(
            [("state", "in", ("active", "suspended")), ("last_backup_id", "!=", False)])
        candidates = instances.mapped("last_backup_id").filtered(
            lambda b: b.state == "done" and b.drill_state == "none")
        jobs = []
        for backup in candidates.sorted("done_at", reverse=True)[:sample]:
            jobs.append(backup.with_delay(
                channel=BACKUP_CHANNEL, priority=30, max_retries=1,
                description=_("Restore drill %s", backup.database_name),
                identity_key=f"saas_backup_drill_{backup.id}")._job_drill())
        return jobs

    def action_drill(self):
        self._check_manager()
        for backup in self:
            backup._check_restorable()
            backup.with_delay(channel=BACKUP_CHANNEL, priority=10, max_retries=1,
                              description=_("Restore drill %s", backup.database_name),
                              identity_key=f"saas_backup_drill_{backup.id}")._job_drill()
        return True
