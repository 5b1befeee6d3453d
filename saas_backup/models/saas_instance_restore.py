"""Restores of an instance's backup: into a new instance (a neutralised
copy) or in place (after a safety backup), each a job of steps with its
log, the database swapped in only once it is complete."""
import time

import psycopg2

from odoo import _, models
from odoo.exceptions import UserError

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.saas_provisioning.adapters.errors import AdapterError, DatabaseNotOursError
from odoo.addons.saas_provisioning.adapters.tenant_db import TenantDatabase
from odoo.addons.saas_provisioning.tools import registries
from odoo.addons.saas_router import tenant_contract as contract
from odoo.addons.saas_router.routing import tenant_db_prefix

from ..lib import archive
from ..lib.storage import StorageError
from .saas_backup import BACKUP_CHANNEL

RESTORE_ERRORS = (StorageError, archive.ArchiveError, AdapterError, psycopg2.Error, OSError)


class SaasInstance(models.Model):
    _inherit = "saas.instance"

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
