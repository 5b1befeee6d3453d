"""Promotion: backup, the router's maintenance page, the real database
updated on the new release (as the tenant's role), smoke checks, the route
switched.  On any failure: restore from that backup in place, route back
to the old release, tell the operator (activity + chatter) and outside
systems (``_release_failed``, extended by saas_webhook_release)."""
import logging
import time

from odoo import _, fields, models
from odoo.modules.registry import Registry

from ..lib import smoke
from .saas_instance_rehearsal import CLONE_ERRORS
from .saas_instance_release import RELEASE_CHANNEL

_logger = logging.getLogger(__name__)


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def action_promote(self, release):
        """Queue the promotion of these instances to ``release``."""
        self._check_action_access()
        release = self._release_arg(release)
        for instance in self:
            instance._check_release_target(release)
            instance._queue_promotion(release)
        return True

    def _queue_promotion(self, release, rollout=None):
        self.ensure_one()
        update = self.env["saas.release.update"].sudo().create({
            "instance_id": self.id, "release_id": release.id,
            "from_release_id": self.release_id.id, "rollout_id": rollout and rollout.id,
        })
        self.with_delay(
            channel=RELEASE_CHANNEL, max_retries=1,
            description=_("Promote %(name)s to %(release)s", name=self.display_name,
                          release=release.name),
            identity_key=f"saas_release_promote_{update.id}",
        )._job_promote(update)
        return update

    def _own_transaction(self):
        """This instance in a cursor of its own, committed when the block
        ends: what the maintenance page's own cursors write (this row) must
        not wait on the job's transaction."""
        return _OwnTransaction(self)

    def _set_release(self, release):
        with self._own_transaction() as instance:
            instance._write_state_machine({"release_id": release.id if release else False})
            instance._publish_routes()
        self.invalidate_recordset(["release_id"])

    def _job_promote(self, update):
        self.ensure_one()
        update = update.sudo()
        if update.state not in ("pending", "running"):
            return _("Skipped: update is %s", update.state)
        release, old = update.release_id, update.from_release_id
        started = time.monotonic()
        if update.state == "running":
            # a worker killed half-way: recover from the backup it took
            self.env.cr.commit()
            self._set_maintenance("release", _("rollback to %s", old.name or ""))
            error = self._rollback(update, old)
            if error is None:
                self._set_maintenance("release", False)
            self.env.cr.commit()
            self.invalidate_recordset()
            return self._rolled_back(update, old, started, _("interrupted"), error)
        update.write({"state": "running", "step": "backup"})
        self.env.cr.commit()  # a killed worker's rerun finds it running: it recovers
        # the backup writes this instance's row (its health): in a
        # transaction of its own, before the maintenance page's cursors
        with self._own_transaction() as instance:
            backup = instance._create_backup("safety")
            result = backup._job_run()
            done = backup.state == "done"
        backup = self.env["saas.backup"].browse(backup.id)
        if not done:
            update.write({"state": "recovered", "step": "backup", "summary": _(
                "The backup before the update failed (%s): nothing was changed.", result),
                "duration": time.monotonic() - started})
            self._tell_release_failed(update)
            return update.summary
        update.write({"backup_id": backup.id, "step": "update"})
        # nothing of this job may hold or have read the instance's row when
        # the maintenance door's own cursors write it (REPEATABLE READ)
        self.env.cr.commit()
        down = time.monotonic()
        passed, summary, excerpt, result, error = False, "", "", {}, None
        with self._maintenance("release", _("update to %s", release.name)):
            try:
                with self._tenant_window(), self._watchdog_exempt(_("release update")):
                    modules, _crons = self._installed_modules()
                    passed, summary, excerpt, result = self._release_run(
                        release, self._tenant_db().login_params(), self.database_name,
                        update=modules, checks=smoke.PROMOTE_CHECKS)
            except CLONE_ERRORS as exc:
                summary = _("The update could not run: %s", exc)
            update.write({"update_seconds": result.get("update_seconds") or 0.0,
                          "log_excerpt": excerpt})
            if passed:
                update.step = "switch"
                self._set_release(release)  # routes: the new release's processes
            else:
                # still behind the page: the customer never sees the broken update
                error = self._rollback(update, old)
        if error is not None:
            self._set_maintenance("release", _("update to %s failed; recovery failed too",
                                               release.name))
        update.downtime = time.monotonic() - down
        self.env.cr.commit()
        self.invalidate_recordset()  # a fresh snapshot: what the own cursors wrote
        if not passed:
            return self._rolled_back(update, old, started, summary, error)
        update.write({"state": "success", "summary": summary,
                      "duration": time.monotonic() - started})
        self._log("release", "promote", "done", started, _(
            "On %(release)s; %(down).1f s behind the maintenance page.",
            release=release.name, down=update.downtime))
        self.message_post(body=_("Updated to release %(release)s (%(summary)s).",
                                 release=release.name, summary=summary))
        self._release_updated(update)
        return summary

    def _rollback(self, update, old):
        """Restore the backup taken first (in place) and route back to
        ``old``.  Returns None, or the error (then a person must look: the
        caller keeps the maintenance page up)."""
        update.write({"state": "recovering", "step": "restore"})
        backup = update.backup_id
        try:
            if backup:
                with self._own_transaction() as instance:
                    result = instance._job_restore_in_place(backup.with_env(instance.env))
                if not str(result).startswith("Restored"):
                    return str(result)
            self._set_release(old)  # routes back, from a cursor of its own
        except Exception as exc:  # noqa: BLE001 (any failure of the recovery is fatal)
            _logger.exception("release: recovery of %s failed", self.display_name)
            return str(exc) or exc.__class__.__name__
        return None

    def _rolled_back(self, update, old, started, summary, error):
        update.write({
            "state": "fatal" if error else "recovered",
            "summary": (_("%(why)s; the recovery failed too: %(error)s", why=summary,
                          error=error) if error else
                        _("%(why)s; rolled back to %(old)s from backup %(key)s.", why=summary,
                          old=old.name or "", key=update.backup_id.key or "")),
            "duration": time.monotonic() - started,
        })
        self._log("release", "rollback", "failed" if error else "done", started, update.summary)
        self._tell_release_failed(update)
        return update.summary

    def _tell_release_failed(self, update):
        """The operator: an activity and the chatter; outside systems:
        ``_release_failed`` (saas_webhook_release)."""
        self.message_post(body=_("Update to %(release)s failed: %(summary)s",
                                 release=update.release_id.name, summary=update.summary))
        user = self.env.ref("base.user_admin", raise_if_not_found=False) or self.env.user
        self.sudo().activity_schedule(
            "mail.mail_activity_data_todo", date_deadline=fields.Date.context_today(self),
            summary=_("Update to %s failed", update.release_id.name),
            note=update.summary, user_id=self.user_id.id or user.id)
        self._release_failed(update)

    def _release_failed(self, update):
        """THE place where a failed promotion is recorded for others
        (recovered or fatal): extend it for alerts and webhooks."""
        return True

    def _release_updated(self, update):
        """A promotion succeeded: extend it for webhooks."""
        return True


class _OwnTransaction:
    def __init__(self, instance):
        self.instance = instance

    def __enter__(self):
        self._cm = Registry(self.instance.env.cr.dbname).cursor()
        cr = self._cm.__enter__()
        return self.instance.with_env(self.instance.env(cr=cr))

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)
