"""saas.instance in saas_provisioning: its fields and the helpers every
room uses.  The rooms: _request (the request and the warm pool), _pipeline
(the steps; their order and retry-or-fail table are ../pipeline.py),
_password, _settings (the door to the tenant's settings), _lifecycle
(suspend, reactivate, terminate), _reconcile, _update (module updates);
_access, _limits, _measure (../usage.py), _fair, _maintenance, _move,
_uptime."""
import time

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.saas_router import credentials, routing

from .. import pipeline


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
    def _current_job(self):
        """The queue job of the instance's current long operation (an empty
        recordset when there is none, or it is gone)."""
        self.ensure_one()
        Job = self.env["queue.job"].sudo()
        return Job.search([("uuid", "=", self.current_job_uuid)], limit=1) \
            if self.current_job_uuid else Job

    def _current_job_running(self):
        """The one live-job check: a job of this instance that has not ended."""
        return self._current_job().state in pipeline.LIVE_JOB_STATES

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
