"""The provisioning pipeline's steps, run in one job with a checkpoint after
each (their order, and which error retries or fails: ../pipeline.py)."""
import time

from odoo import _, fields, models

from odoo.addons.queue_job.exception import RetryableJobError

from .. import pipeline
from ..adapters.contract import tenant_contract as contract
from ..tools import tenant_http


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _next_step(self):
        return pipeline.next_step(self.provision_step)

    def _enqueue_next_step(self):
        """Queue the provisioning job, which runs every step left."""
        self.ensure_one()
        step = self._next_step()
        if not step:
            return False
        job = self.with_delay(
            channel=pipeline.channel(step),
            priority=5,
            max_retries=30,
            description=_("Provision %s", self.database_name),
            identity_key=f"saas_provision_{self.id}",
        )._job_provision()
        self.current_job_uuid = job.uuid
        return job

    def _job_provision(self):
        """Run the pipeline from the step after the last checkpoint to the
        end, committing a checkpoint after each step (the job function
        allows commits).  Idempotent, so at-least-once delivery is fine."""
        self.ensure_one()
        if self.state != "provisioning" or not self._next_step():
            return _("Skipped: instance is %(state)s, next step %(next)s.",
                     state=self.state, next=self._next_step() or "-")
        messages = []
        while step := self._lock_for_step():
            message = self._run_provision_step(step)
            if self.state != "provisioning":  # failed for good
                return message
            messages.append(message or step)
            # the checkpoint: this step stays done whatever happens next
            self.env.cr.commit()
        self._provision_finish()
        return "; ".join(messages)

    def _lock_for_step(self):
        """Lock the instance's row for the next step and read its progress
        afresh: a second run of this job (a duplicate delivery) waits here,
        then fails to serialize and is retried, instead of running a step
        twice at once.  Returns the next step, None at the end."""
        self.env.cr.execute("SELECT 1 FROM saas_instance WHERE id = %s FOR UPDATE", [self.id])
        self.invalidate_recordset(["state", "provision_step"])
        return self.state == "provisioning" and self._next_step()

    def _job_provision_step(self, step):
        """Jobs queued before the pipeline became one job (which may not
        commit): hand over to the one job."""
        if self.state != "provisioning" or not self._next_step():
            return _("Skipped: instance is %s.", self.state)
        return _("Requeued as job %s", self._enqueue_next_step().uuid)

    def _run_provision_step(self, step):
        started = time.monotonic()
        try:
            message = getattr(self, f"_provision_{step}")()
        except Exception as exc:
            judged = pipeline.outcome("provision", exc)
            if judged is None:
                raise
            result, seconds = judged
            self._log("provision", step, result, started, str(exc))
            if result == pipeline.RETRY:
                raise RetryableJobError(str(exc), seconds=seconds) from exc
            self._set_state("failed", str(exc))
            return str(exc)
        self._write_state_machine({"provision_step": step})
        self._log("provision", step, "done", started, message)
        return message

    def _provision_clone(self):
        """The tenant's database, cloned from the template with its own role
        (saas.server._clone_tenant_database)."""
        self._start_password_hash()  # no-op when already started at reservation
        message, role_seconds = self.server_id._clone_tenant_database(
            self.template_id._template_database(), self.database_name)
        # part of the clone step's time, shown apart (bench/provision.py)
        self._log("provision", "role", "done", time.monotonic(), _(
            "Role %(role)s created, owns the database and its objects", role=self._role_name()),
            duration_ms=int(role_seconds * 1000))
        return message

    def _provision_filestore(self):
        self.server_id._filestore().copy(self.template_id._template_database(),
                                         self.database_name)
        return None

    def _provision_customise(self):
        """The tenant-specific writes, logged in as the tenant's role (which
        may log in from here on: the database has no route yet, so nobody
        reaches it), then the master's settings (not suspended any more).
        The admin's password hash goes in if it is ready; else the admin has
        no password (nobody can log in as it) until the end of the pipeline
        writes it: the hash is not worth waiting for here."""
        self.server_id._pg_admin().set_login(self._role_name(), True)
        tenant = self._tenant_db()
        password_hash = self._admin_password_hash(wait=False)
        # the modules of our template, read before anyone else could change
        # them: the router's gate loads nothing else but the plan's
        base_modules = ",".join(tenant.installed_modules())
        tenant.customise(
            company_name=self.name,
            company_email=self.partner_id.email or "",
            admin_login=self.admin_login or self.partner_id.email or "admin",
            admin_password_hash=password_hash,
            base_url=self.url,
            # written by the master right after, through the settings door's
            # payload (in the same adapter call: one connection less)
            settings=self._tenant_settings_payload(
                {contract.SUSPENDED: False, contract.BASE_MODULES: base_modules}),
        )
        self.sudo().base_modules = base_modules
        if password_hash:
            self.sudo().admin_password_sealed = False
        self._make_reachable("provision")
        return None

    def _make_reachable(self, operation):
        """THE last act of handing a finished database to its customer
        (customise; a restored copy): its routes in the map -- the router
        serves a database only from then on.  Its role may already log in:
        customise and the restore granted LOGIN before their own sessions
        as the tenant.  saas_dns adds the DNS records.  ``operation`` names
        the log lines."""
        self._publish_routes()

    def _neutralise_copy(self, dbname=None):
        """The one neutralisation of a copy (adapters/neutralise.py), logged
        in as the tenant's role: Odoo's own (no mail servers, no crons,
        webhooks off, the database flagged neutralised) and a new identity:
        uuid, secret (sessions and tokens of the source are worthless here),
        URL.  For saas_backup's restored copies; ``dbname``: a scratch copy
        of this tenant (its role's) instead of its own database
        (saas_release's rehearsal clone)."""
        tenant = self.server_id._tenant_db(dbname, role=self._role_name()) if dbname \
            else self._tenant_db()
        tenant.neutralise_copy(self.url)

    def _provision_verify(self):
        """The tenant's login page answers 200 through the real server; this
        also loads its registry, so the customer's first request is fast."""
        seconds = tenant_http.check_login_page(self.server_id.odoo_url, self._host(),
                                               timeout=pipeline.VERIFY_TIMEOUT)
        return _("Login page answered in %.2f s", seconds)

    def _provision_finish(self):
        if self.sudo().admin_password_sealed:
            # Still hashing at customise.  It must land before "active": the
            # customer may open the tenant from then on, and Odoo's session
            # token includes the password hash (a later write would log out
            # the session just opened).
            started = time.monotonic()
            self._write_admin_password(self._admin_password_hash())
            self._log("provision", "password", "done", started)
        seconds = time.time() - self.provision_request_ts if self.provision_request_ts else 0
        self.write({"provision_done_at": fields.Datetime.now(), "provision_seconds": seconds,
                    "current_job_uuid": False})
        self._set_state("active", _("Ready at %(url)s.", url=self.url))
        # Usage (several connections to the tenant) and the mail (rendering
        # takes longer than the rest of this step) follow in a job: the
        # customer's instance is shown active without waiting for them.  It
        # queues behind the provisioning jobs (same channel, lower
        # priority): in a burst of sign-ups, every tenant is made first.
        self.with_delay(channel=pipeline.PROVISION_CHANNEL, priority=20,
                        description=_("Notify %s") % self.partner_id.display_name,
                        identity_key=f"saas_notify_ready_{self.id}")._job_notify_ready()

    def _job_notify_ready(self):
        """Right after activation: measure usage (from the first minute, not
        from the next sweep), then mail the customer."""
        self.ensure_one()
        self._measure_usage()
        template = self.env.ref("saas_provisioning.mail_template_instance_ready",
                                raise_if_not_found=False)
        if not (template and self.partner_id.email and self.state == "active"):
            return _("Nothing to send")
        self.message_post_with_source(template, subtype_xmlid="mail.mt_comment")
        return _("Sent to %s") % self.partner_id.email
