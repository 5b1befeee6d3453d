"""Rehearsal: a neutralised clone of the tenant (a fresh backup restored
into a scratch database that belongs to the tenant's role), updated on the
new release as that role and smoke-checked, then dropped."""
import json
import os
import subprocess
import tempfile
import time

import psycopg2

from odoo import _, models
from odoo.tools import config

from odoo.addons.saas_backup.lib import archive
from odoo.addons.saas_backup.lib.storage import StorageError
from odoo.addons.saas_provisioning.adapters.errors import AdapterError
from odoo.addons.saas_provisioning.adapters.tenant_db import TenantDatabase
from odoo.addons.saas_router.routing import tenant_db_prefix

from ..lib import smoke
from .saas_instance_release import RELEASE_CHANNEL

CLONE_ERRORS = (StorageError, archive.ArchiveError, AdapterError, psycopg2.Error, OSError)
RUN_TIMEOUT = 3600


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    # -- the runner: update + smoke checks in one process of the release ----
    def _release_run(self, release, login, dbname, update=(), checks=(), crons=(), role=None):
        """Run lib/runner.py with ``release``'s code on ``dbname``, logged in
        with ``login`` (the tenant's role).  Returns (passed, summary,
        excerpt, result)."""
        fd, logfile = tempfile.mkstemp(prefix="saas-release-", suffix=".log")
        os.close(fd)
        try:
            cmd = smoke.command(release._program(), login, dbname, logfile,
                                rcfile=config.rcfile, update=update, checks=checks,
                                crons=crons, role=role)
            env = dict(os.environ)
            env.pop("PGOPTIONS", None)
            try:
                res = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                                     env=env)
                stdout, code = res.stdout + "\n" + res.stderr, res.returncode
            except subprocess.TimeoutExpired as exc:
                stdout, code = f"timed out after {exc.timeout} s", -1
            with open(logfile, errors="replace") as f:
                log_text = f.read()
        finally:
            os.unlink(logfile)
        result = smoke.parse_result(stdout)
        if result is None:
            log_text += "\n" + stdout[-4000:]
        passed, summary, excerpt = smoke.verdict(result, log_text, code)
        return passed, summary, excerpt, result or {}

    def _installed_modules(self, dbname=None, role=None):
        """The installed modules and the active crons of the tenant's database
        (or of its scratch copy ``dbname``), read as its role."""
        db = self.server_id._tenant_db(dbname, role=role) if dbname else self._tenant_db()
        conn = db.connect_as_tenant()
        try:
            with conn, conn.cursor() as cr:
                cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed' "
                           "ORDER BY name")
                modules = [name for (name,) in cr.fetchall()]
                cr.execute("SELECT id FROM ir_cron WHERE active ORDER BY id")
                crons = [cron_id for (cron_id,) in cr.fetchall()]
        finally:
            conn.close()
        return modules, crons

    # -- rehearsal -----------------------------------------------------------
    def _rehearsal_db_name(self):
        # a "_" right after the tenant prefix: no subdomain maps to it
        return f"{tenant_db_prefix()}_rehearse_{self.id}"

    def action_rehearse(self, release):
        """Queue a rehearsal of this instance's update to ``release``."""
        self._check_action_access()
        release = self._release_arg(release)
        for instance in self:
            instance._check_release_target(release)
            instance._queue_rehearsal(release)
        return True

    def _queue_rehearsal(self, release, rollout=None):
        self.ensure_one()
        return self.with_delay(
            channel=RELEASE_CHANNEL, max_retries=1,
            description=_("Rehearse %(name)s on %(release)s", name=self.display_name,
                          release=release.name),
            identity_key=f"saas_release_rehearse_{self.id}_{release.id}",
        )._job_rehearse(release, rollout)

    def _job_rehearse(self, release, rollout=None):
        """Clone (backup -> scratch database as the tenant's role),
        neutralise, update on ``release``, smoke checks, drop.  Returns the
        ``saas.release.rehearsal`` record."""
        self.ensure_one()
        started = time.monotonic()
        rehearsal = self.env["saas.release.rehearsal"].sudo().create({
            "instance_id": self.id, "release_id": release.id,
            "from_release_id": self.release_id.id, "rollout_id": rollout and rollout.id,
        })
        server = self.server_id
        role, scratch = self._role_name(), self._rehearsal_db_name()
        passed, summary, excerpt, result = False, "", "", {}
        try:
            backup = self._create_backup("safety")
            backup_result = backup._job_run()
            if backup.state != "done":
                raise AdapterError(_("the backup of the clone failed: %s", backup_result))
            with self._watchdog_exempt(_("update rehearsal")), \
                    backup._scratch_copy(scratch, "rehearsal"):
                # the master's own settings table (the gate reads the
                # tenant's module policy there), written as the master
                TenantDatabase(server._connection_params(), scratch).write_settings(
                    self._tenant_db().read_settings())
                modules, crons = self._installed_modules(scratch, role)
                self._neutralise_copy(scratch)
                login = server._tenant_db(scratch, role=role).login_params()
                passed, summary, excerpt, result = self._release_run(
                    release, login, scratch, update=modules, checks=smoke.REHEARSAL_CHECKS,
                    crons=crons, role=role)
        except CLONE_ERRORS as exc:
            summary = _("The clone could not be made: %s", exc)
        state = "passed" if passed else "failed"
        rehearsal.write({
            "state": state, "duration": time.monotonic() - started,
            "update_seconds": result.get("update_seconds") or 0.0, "summary": summary,
            "checks": json.dumps(result.get("checks", []), indent=1),
            "log_excerpt": excerpt,
        })
        self.sudo().write({"last_rehearsal_date": rehearsal.date,
                           "last_rehearsal_state": state,
                           "last_rehearsal_release_id": release.id})
        self._log("release", "rehearse", "done" if passed else "failed", started, summary)
        self.message_post(body=_("Update to %(release)s rehearsed: %(state)s (%(summary)s).",
                                 release=release.name, state=state, summary=summary))
        return rehearsal
