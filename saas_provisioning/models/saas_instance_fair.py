"""Fair sharing of a PostgreSQL server between tenants: each tenant's role
gets the CONNECTION LIMIT of its plan, and a watchdog (cron, every minute)
ends its sessions that run longer than the plan allows
(``adapters/watchdog.py``), except while a job of the master runs as that
role (``saas.watchdog.exemption``)."""
import logging
import time

from odoo import _, api, models

from ..adapters import watchdog
from ..adapters.errors import AdapterError

_logger = logging.getLogger(__name__)

# states whose role exists and may be in use
ROLE_STATES = ("provisioning", "active", "suspended")


class SaasServer(models.Model):
    _inherit = "saas.server"

    def _tenant_connection_limit(self, dbname):
        """CONNECTION LIMIT of the role of tenant database ``dbname``: its
        instance's plan's (-1, none, for a warm-pool clone: no instance yet;
        customise applies the plan's when one takes it)."""
        instance = self.env["saas.instance"].sudo().search(
            [("database_name", "=", dbname), ("state", "!=", "terminated")], limit=1)
        return instance._connection_limit() if instance else -1


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _connection_limit(self):
        self.ensure_one()
        return self.plan_id.max_connections or -1

    def _apply_connection_limit(self):
        """The plan's CONNECTION LIMIT on the role of each instance of
        ``self`` that has one (after a plan change, a change of the plan's
        value, a warm-pool clone taken).  Sessions already open stay."""
        for instance in self._live(ROLE_STATES):
            started = time.monotonic()
            limit = instance._connection_limit()
            try:
                instance.server_id._pg_admin().set_connection_limit(instance._role_name(), limit)
            except AdapterError as exc:
                _logger.warning("cannot set the connection limit of %s: %s",
                                instance.database_name, exc)
                instance._log("watchdog", "connection limit", "failed", started, str(exc))

    def _provision_customise(self):
        # a warm-pool clone's role was made before any plan was known (with
        # no limit: nothing to do for a plan without one)
        if self._connection_limit() != -1:
            self._apply_connection_limit()
        return super()._provision_customise()

    def write(self, vals):
        res = super().write(vals)
        if "plan_id" in vals:
            self._apply_connection_limit()
        return res

    def _watchdog_exempt(self, reason=None):
        """``with instance._watchdog_exempt():`` around a job of the master
        logged in as this instance's role that may run long."""
        self.ensure_one()
        return self.env["saas.watchdog.exemption"]._exempting(self._role_name(), reason)

    @api.model
    def _cron_watchdog(self):
        """End the sessions of live tenants running longer than their plan's
        ``max_query_seconds`` (one statement per server), logged on each
        instance; the master's jobs under an exemption are left alone."""
        live = self.sudo().search(
            self._live_domain() + [("plan_id.max_query_seconds", ">", 0)])
        if not live:
            return []
        exemptions = self.env["saas.watchdog.exemption"]._current()
        ended_all = []
        for server in live.server_id:
            by_role = {instance._role_name(): instance
                       for instance in live.filtered(lambda i, s=server: i.server_id == s)}
            limits = {role: instance.plan_id.max_query_seconds
                      for role, instance in by_role.items()}
            started = time.monotonic()
            try:
                ended = watchdog.end_overrunning(
                    server._connection_params(), limits,
                    {role: since for role, since in exemptions.items() if role in by_role})
            except AdapterError as exc:
                _logger.warning("watchdog: cannot check %s: %s", server.name, exc)
                continue
            for session in ended:
                instance = by_role[session["role"]]
                message = _(
                    "Session %(pid)s on %(db)s (%(state)s) ended after %(seconds)d s: the "
                    "plan allows %(limit)s s.", pid=session["pid"], db=session["database"],
                    state=session["state"], seconds=session["seconds"], limit=session["limit"])
                _logger.warning("watchdog: %s: %s", instance.database_name, message)
                instance._log("watchdog", "terminate", "done", started, message,
                              duration_ms=int(session["seconds"] * 1000))
            ended_all += ended
        return ended_all
