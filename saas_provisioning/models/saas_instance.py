import contextlib
import logging
import time
from datetime import timedelta

import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.queue_job.exception import RetryableJobError

from odoo.addons.saas_router import credentials, routing

from ..adapters.errors import (
    AdapterError,
    DatabaseNotOursError,
    TemplateBusyError,
    TemplateOutdatedError,
)
from ..adapters.tenant_db import hash_password, is_odoo_hash
from ..tools import odoo_cli, secret_box, tenant_http
from ..tools.password_hasher import PasswordHashers

_logger = logging.getLogger(__name__)

# admin password hashes under way in this process (tools/password_hasher.py)
_PASSWORD_HASHERS = PasswordHashers()
# A sealed admin password that is already Odoo's hash of it starts with this
# (a NUL: no password typed in Odoo holds one).
SEALED_HASH_MARK = "\x00odoo-hash\x00"


def _marked_hash(value):
    return value[len(SEALED_HASH_MARK):] if value.startswith(SEALED_HASH_MARK) else None


def _hash_in_sealed(secret, sealed):
    """The hash a sealed admin password holds when it was sealed hashed."""
    return _marked_hash(secret_box.open_sealed(secret, sealed))


def _hash_of_sealed(secret, sealed):
    value = secret_box.open_sealed(secret, sealed)
    return _marked_hash(value) or hash_password(value)

# The provisioning pipeline: idempotent steps, each logged, provision_step
# recording the last one done.  They run in ONE job (a job hand-off costs
# about 0.1 s, as much as a step) that commits a checkpoint after each step:
# its provision_step and log line.  A job stopped halfway (worker killed,
# retry after an error) is run again, or queued again by the reconciler, and
# resumes at the step after the last checkpoint.
PIPELINE = ["clone", "filestore", "customise", "verify"]
DEFAULT_CHANNEL = "root.saas"
# Clones are capped on their own channel (CREATE DATABASE copies files).
PROVISION_CHANNEL = "root.saas_clone"
# A template is "busy" while another session is connected to it: wait and retry.
BUSY_RETRY_SECONDS = 1
# No progress for this long and no live job: the reconciler takes over.
STALE_AFTER = timedelta(minutes=2)
VERIFY_TIMEOUT = 60
# Seconds between a request taking a warm clone and the refill making the next.
POOL_REFILL_DELAY = 10
LIVE_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    provision_step = fields.Selection(
        [("reserved", "Reserved"), ("clone", "Database cloned"),
         ("filestore", "Filestore copied"), ("customise", "Customised"),
         ("verify", "Verified")],
        readonly=True, copy=False,
        help="Last step of the provisioning pipeline that completed.")
    provision_requested_at = fields.Datetime(readonly=True, copy=False)
    # Datetime fields keep whole seconds: the duration needs the request's
    # exact time
    provision_request_ts = fields.Float(readonly=True, copy=False, digits=(16, 3))
    provision_done_at = fields.Datetime(readonly=True, copy=False)
    provision_seconds = fields.Float(
        string="Provisioned In (s)", readonly=True, copy=False, digits=(16, 2),
        help="From the request to the tenant's login page answering.")
    current_job_uuid = fields.Char(readonly=True, copy=False)
    admin_password_sealed = fields.Char(groups="base.group_system", copy=False)
    log_ids = fields.One2many("saas.instance.log", "instance_id", string="Operation Log")
    usage_ids = fields.One2many("saas.instance.usage", "instance_id", string="Usage History")

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _master_secret(self):
        return self.env["ir.config_parameter"].sudo().get_param("database.secret")

    def _host(self):
        self.ensure_one()
        return f"{self.subdomain}.{self._url_settings()[1]}"

    def _routes(self):
        """The rows of the router's host -> database map for this instance
        (``saas.route``): its subdomain while it has a database.  saas_dns
        adds custom domains and the redirects of ended tenants."""
        self.ensure_one()
        if self.state == "terminated" or not self.database_name or not self.subdomain:
            return []
        return [{"host": routing.bare_host(self._host()), "database_name": self.database_name,
                 "kind": "subdomain"}]

    def _publish_routes(self):
        """Write ``_routes()`` into the map, committed at once (the router
        serves the database only once it is routable: LOGIN granted)."""
        for instance in self:
            routing.publish_routes(self.env.cr.dbname, instance.id, instance._route_rows())

    def _log(self, operation, step, result, started, message=None, duration_ms=None,
             **extra):
        """One line of the operation log; ``extra``: more fields of the
        line that addons add (saas_backup: ``backup_id``)."""
        vals = {
            **extra,
            "instance_id": self.id,
            "operation": operation,
            "step": step,
            "result": result,
            "duration_ms": int((time.monotonic() - started) * 1000)
            if duration_ms is None else duration_ms,
            "message": message,
        }
        if result == "retry":
            # queue_job rolls the job's transaction back before retrying it:
            # record the attempt in a transaction of its own so it stays visible.
            with self.env.registry.cursor() as cr:
                self.env(cr=cr)["saas.instance.log"].sudo().create(vals)
            return
        self.env["saas.instance.log"].sudo().create(vals)

    def _state_machine_fields(self):
        # the pipeline's progress drives which step runs next
        return super()._state_machine_fields() | {"provision_step"}

    def _tenant_db(self):
        return self.server_id._tenant_db(self.database_name)

    def _role_name(self):
        return credentials.tenant_role_name(self.database_name)

    def _ensure_role(self, login=False):
        """The tenant's role as the pipeline makes it, allowed to log in
        only if ``login``."""
        self.server_id._ensure_tenant_role(self.database_name, login=login)

    @api.model
    def _database_taken_reason(self, dbname, server=None):
        """Why ``dbname`` cannot be a new instance's database, or None: a
        database already there (made by hand, or left by anyone) is never
        adopted."""
        server = server or self.env["saas.server"]._pick_for_new_instance()
        if server and server._pg_admin().exists(dbname):
            return _("A database named %(db)s already exists on %(server)s: this name "
                     "cannot be used until an administrator removes it.",
                     db=dbname, server=server.name)
        return None

    def _check_database_name_free(self):
        for instance in self:
            reason = instance._database_taken_reason(instance.database_name, instance.server_id)
            if reason:
                raise UserError(reason)

    def _tenant_settings(self):
        """What the master decides for the tenant; saas_tenant enforces it."""
        self.ensure_one()
        plan = self.plan_id
        return {
            "max_users": str(plan.max_users or 0),
            "max_storage_mb": str(plan.max_storage_mb or 0),
            "master_url": self.env["ir.config_parameter"].sudo().get_param("web.base.url", ""),
            "support_email": self.env.company.email or "",
        }

    # ------------------------------------------------------------------
    # provisioning
    # ------------------------------------------------------------------
    def request_provisioning(self, admin_password=None, admin_password_hash=None):
        """Public entry point (backend, portal, API): seal the admin password
        and start provisioning.  Returns nothing slow: the work is queued.

        ``admin_password_hash``: the password already hashed as Odoo stores
        it (the portal sign-up just made the customer's master account with
        the same password): no second half-second hash."""
        self.ensure_one()
        self._check_action_access()
        if admin_password_hash:
            if not is_odoo_hash(admin_password_hash):
                raise UserError(_("The administrator's password hash is not one Odoo "
                                  "stores (pbkdf2-sha512)."))
            admin_password = SEALED_HASH_MARK + admin_password_hash
        if admin_password:
            self.sudo().admin_password_sealed = secret_box.seal(self._master_secret(), admin_password)
        return self.action_provision()

    def _hook_provision(self):
        for instance in self:
            template = instance.template_id or instance.plan_id.template_id
            # cloned on the instance's server: that server's build of it
            template = template and template._on_server(instance.server_id)
            if not template or not template._template_database():
                raise UserError(_("Instance %(name)s: its plan's template has not been built yet.",
                                  name=instance.display_name))
            vals = {
                "template_id": template.id,
                "provision_requested_at": fields.Datetime.now(),
                "provision_request_ts": time.time(),
                "provision_done_at": False,
                "provision_seconds": 0.0,
            }
            pooled = None
            if instance.state == "draft":
                vals["provision_step"] = "reserved"
                # a warm clone, if the pool has one: clone and files are done
                pooled = self.env["saas.pool.database"].sudo()._take(
                    template, instance.server_id)
                if pooled:
                    vals.update(database_name=pooled, provision_step="filestore")
                else:
                    instance._check_database_name_free()
            # No password chosen: the admin gets none at all (nobody logs in
            # with a password; the customer comes in by SSO or "reset
            # password"), and no hash costs half a second of CPU.
            # Reserve: the state and the generated name are committed with
            # this transaction, before the first job (and any DDL) runs.
            instance._write_state_machine(vals)
            instance._set_state("provisioning")
            if pooled:
                instance._log("provision", "pool", "done", time.monotonic(),
                              _("Given the warm clone %s", pooled), duration_ms=0)
                # later: a clone and a registry load beside this tenant's
                # own steps would slow them down
                self.env["saas.template"]._pool_schedule_fill(template, delay=POOL_REFILL_DELAY)
            instance._enqueue_next_step()
            # Hashing the admin password (600k PBKDF2 rounds, ~0.5 s) starts
            # now and runs beside the clone, the customise step and the
            # registry load; the end of the pipeline writes it.
            instance._start_password_hash()
        return True

    def _next_step(self):
        done = self.provision_step
        if done in (False, "reserved"):
            return PIPELINE[0]
        index = PIPELINE.index(done) + 1
        return PIPELINE[index] if index < len(PIPELINE) else None

    def _enqueue_next_step(self):
        """Queue the provisioning job, which runs every step left."""
        self.ensure_one()
        step = self._next_step()
        if not step:
            return False
        job = self.with_delay(
            # a clone copies files: capped on its own channel; a tenant that
            # is past it (warm pool, resumed) goes on the general one
            channel=PROVISION_CHANNEL if step == "clone" else DEFAULT_CHANNEL,
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
        except (DatabaseNotOursError, TemplateOutdatedError) as exc:
            # never worth a retry: a person must look at that database
            self._log("provision", step, "failed", started, str(exc))
            self._set_state("failed", str(exc))
            return str(exc)
        except TemplateBusyError as exc:
            self._log("provision", step, "retry", started, str(exc))
            raise RetryableJobError(str(exc), seconds=BUSY_RETRY_SECONDS, ignore_retry=False) from exc
        except (AdapterError, requests.RequestException, odoo_cli.OdooCliError) as exc:
            # Server unreachable, tenant not answering yet...: worth retrying.
            self._log("provision", step, "retry", started, str(exc))
            raise RetryableJobError(str(exc), seconds=5) from exc
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

    def _password_hash_job(self):
        """(key, sealed password, function hashing it) for the hashers."""
        sealed = self.sudo().admin_password_sealed
        secret = self._master_secret()
        return ((self.env.cr.dbname, self.id), sealed,
                lambda: _hash_of_sealed(secret, sealed))

    def _start_password_hash(self):
        key, sealed, compute = self._password_hash_job()
        if sealed and not _hash_in_sealed(self._master_secret(), sealed):
            _PASSWORD_HASHERS.start(key, sealed, compute)

    def _admin_password_hash(self, wait=True):
        """The hash of the sealed admin password (None when there is none);
        with ``wait=False``, None unless this process has it ready."""
        key, sealed, compute = self._password_hash_job()
        if not sealed:
            return None
        hashed = _hash_in_sealed(self._master_secret(), sealed)
        if hashed:
            return hashed
        if not wait:
            return _PASSWORD_HASHERS.ready(key, sealed)
        return _PASSWORD_HASHERS.take(key, sealed, compute)

    def _write_admin_password(self, password_hash):
        """The sealed password's hash is in the tenant: forget the seal.
        Before activation nobody has a session on the tenant, so the caches
        that verify just filled stay (the customer's first page is warm)."""
        self._tenant_db().set_admin_password(password_hash, signal_caches=False)
        self.sudo().admin_password_sealed = False

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
            settings=dict(self._tenant_settings(), suspended="0", base_modules=base_modules),
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

    def _provision_verify(self):
        """The tenant's login page answers 200 through the real server; this
        also loads its registry, so the customer's first request is fast."""
        seconds = tenant_http.check_login_page(self.server_id.odoo_url, self._host(),
                                               timeout=VERIFY_TIMEOUT)
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
        self.with_delay(channel=PROVISION_CHANNEL, priority=20,
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

    # ------------------------------------------------------------------
    # suspend / reactivate / terminate
    # ------------------------------------------------------------------
    def _hook_suspend(self, reason=None):
        reason = reason or ""
        for instance in self:
            started = time.monotonic()
            instance._tenant_db().write_settings({"suspended": "1", "suspended_reason": reason})
            instance._set_state("suspended", reason or None)
            instance._log("suspend", "write limits", "done", started, reason)
            # enforced outside the tenant: the router, and PostgreSQL
            instance._close_to_tenant("suspend", reason or None)
        return True

    def _hook_reactivate(self):
        for instance in self:
            started = time.monotonic()
            instance._set_state("active")
            with instance._tenant_login().unlocked() if not instance.tampered \
                    else contextlib.nullcontext():
                # undoes what the tenant may have changed on its role (its
                # own password, say)
                instance._ensure_role(login=not instance.tampered)
                instance._tenant_db().write_settings(
                    dict(instance._tenant_settings(), suspended="0", suspended_reason=""))
                instance._publish_routes()
            instance._log("reactivate", "write limits", "done", started)
        return True

    def _hook_terminate(self):
        for instance in self:
            if instance.state == "draft" or not instance.database_name:
                instance._set_state("terminated")
                continue
            job = instance.with_delay(
                channel=DEFAULT_CHANNEL, max_retries=10,
                description=_("Terminate %s") % instance.database_name,
                identity_key=f"saas_terminate_{instance.id}",
            )._job_terminate()
            instance.current_job_uuid = job.uuid
            instance.message_post(body=_("Termination queued."))
        return True

    def _job_terminate(self):
        self.ensure_one()
        if self.state == "terminated":
            return _("Already terminated")
        started = time.monotonic()
        try:
            if self.server_id:
                self.server_id._drop_tenant_database(self.database_name)
        except AdapterError as exc:
            self._log("terminate", "drop", "retry", started, str(exc))
            raise RetryableJobError(str(exc), seconds=10) from exc
        self._log("terminate", "drop", "done", started)
        self.current_job_uuid = False
        self._set_state("terminated", _("Database and filestore removed."))
        self._publish_routes()
        return _("Dropped %s") % self.database_name

    # ------------------------------------------------------------------
    # reconciler: nothing stays half-made
    # ------------------------------------------------------------------
    @api.model
    def _cron_reconcile(self):
        """Resume or fail instances stuck in "provisioning" and report orphans.

        A worker killed mid-step leaves its job "started" forever (queue_job
        requeues those of dead workers on restart) or nothing at all; in both
        cases the instance stops moving.  Resume from the last step done (every
        step is idempotent); if its job exhausted its retries, mark it failed
        so that a person sees it and can retry.
        """
        stale = fields.Datetime.now() - STALE_AFTER
        stuck = self.search([("state", "=", "provisioning"), ("write_date", "<", stale)])
        Job = self.env["queue.job"].sudo()
        for instance in stuck:
            job = Job.search([("uuid", "=", instance.current_job_uuid)], limit=1) \
                if instance.current_job_uuid else Job
            if job and job.state in LIVE_JOB_STATES:
                continue
            started = time.monotonic()
            if job and job.state == "failed":
                instance._log("reconcile", instance._next_step() or "-", "failed", started,
                              job.exc_info and job.exc_info.strip().splitlines()[-1])
                instance._set_state("failed", _("Step %(step)s failed after its retries.",
                                                step=instance._next_step()))
                continue
            instance._log("reconcile", instance._next_step() or "-", "done", started,
                          _("Resumed after a stop"))
            if instance._next_step():
                instance._enqueue_next_step()
            else:
                instance._provision_finish()
        self.env["saas.server"].search([("state", "!=", "down")])._scan_orphans()
        return True

    # ------------------------------------------------------------------
    # bulk operations
    # ------------------------------------------------------------------
    def _enqueue_update_modules(self, modules):
        jobs = []
        for instance in self.filtered(lambda i: i.state in ("active", "suspended")):
            jobs.append(instance.with_delay(
                channel=DEFAULT_CHANNEL, max_retries=3,
                description=_("Update %(mods)s on %(db)s", mods=",".join(modules),
                              db=instance.database_name),
            )._job_update_modules(modules))
        return jobs

    def _job_update_modules(self, modules):
        self.ensure_one()
        started = time.monotonic()
        try:
            # as the tenant's role: what the update creates is the tenant's,
            # and no code of the tenant's runs with the master's privileges
            with self._tenant_window(), \
                    self._watchdog_exempt(self.env._("module update")):
                out = odoo_cli.update(self._tenant_db().login_params(), self.database_name,
                                      modules)
        except (odoo_cli.OdooCliError, AdapterError) as exc:
            self._log("update", ",".join(modules), "failed", started, str(exc))
            self.message_post(body=_("Module update failed: %s") % exc)
            return str(exc)
        self._log("update", ",".join(modules), "done", started, out[-2000:] or None)
        self.message_post(body=_("Modules updated: %s") % ", ".join(modules))
        return out
