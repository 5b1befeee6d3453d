"""Usage, as the master measures it: the figures the plan bills and limits."""
import logging

from odoo import api, fields, models

from odoo.addons.saas_router import routing

from .. import usage
from ..adapters.errors import AdapterError
from ..tools import usage_reader

_logger = logging.getLogger(__name__)


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    @api.model
    def _cron_usage_sweep(self):
        """Users, database and filestore size of every live instance, read by
        SQL and from the filesystem (no registry is loaded)."""
        self.search(self._live_domain())._measure_usage()
        return True

    def _measure_usage(self):
        """The one door for usage: measure the live instances among ``self``
        (users and modules read as each tenant's role with row security
        off, database and filestore size), write the figures on them and
        their history, ship the storage figure to each tenant (saas_tenant's
        quota counts from it), check the modules (tamper) and the plan's
        limits.  Called when a tenant becomes active, after a plan change and
        by the sweep.  Tenants are read a few at a time
        (``usage_reader``); what follows runs per instance through the
        loop's door (``_each_isolated``): one that cannot be read or
        checked is flagged on its own instance (``usage_error``, a failed
        "usage" log line), never counted as 0, and the others go on."""
        live = self._live()
        if not live:
            return True
        usage_vals = []
        plans = self._storage_plans_setting()
        now = fields.Datetime.now()
        for server in live.server_id:
            on_server = live.filtered(lambda i, s=server: i.server_id == s)
            try:
                sizes = server._pg_admin().sizes_bytes(on_server.mapped("database_name"))
            except AdapterError as exc:
                _logger.warning("usage: cannot read database sizes on %s: %s", server.name, exc)
                continue
            results = usage_reader.read_all(
                [instance._usage_reader(server, sizes, plans, now) for instance in on_server])

            def record(instance, sizes=sizes, results=results):
                figures, error = results[instance.id]
                if error is not None:
                    # the tenant's refusal, read in a thread: this instance's
                    # failure only (logged on it by the loop's door)
                    if isinstance(error, AdapterError):
                        raise error
                    raise AdapterError(f"{instance.database_name}: {error}") from error
                users, module_states, filestore_bytes, shipped = figures
                if shipped is not None:
                    _logger.warning("usage: cannot ship storage to %s: %s",
                                    instance.database_name, shipped)
                vals = usage.figures(users, sizes.get(instance.database_name, 0),
                                     filestore_bytes)
                instance.write(dict(vals, usage_date=now, usage_error=False))
                instance._check_modules(module_states)
                instance._enforce_plan_limits(now)
                usage_vals.append(dict(vals, instance_id=instance.id, date=now))
                return True

            def flag(instance, message):
                instance.sudo().usage_error = message[:500]

            on_server._each_isolated("usage", "count users", record, on_failure=flag)
        self.env["saas.instance.usage"].sudo().create(usage_vals)
        return True

    def _usage_reader(self, server, sizes, plans, now):
        """The plain object that reads this instance in a thread of the
        sweep (nothing of the ORM crosses to it)."""
        self.ensure_one()
        dbname = self.database_name
        login = self._tenant_login() if self._route_state() != routing.SERVED else None
        shipped_mb = usage.used_mb(self.db_size_mb, self.filestore_size_mb)
        last_measured = self.usage_date

        def settings(filestore_bytes):
            return usage.storage_settings((sizes.get(dbname, 0) + filestore_bytes) / usage.MB,
                                          shipped_mb, last_measured, now, plans)

        return usage_reader.TenantUsage(self.id, self._tenant_db(), login, dbname,
                                        server._filestore(), settings)

    @api.model
    def _storage_plans_setting(self):
        """JSON of the published plans' storage, so that a tenant refusing an
        upload can name the plan that would fit."""
        plans = self.env["saas.plan"].sudo().search([("published", "=", True)],
                                                    order="sequence, max_storage_mb, id")
        return usage.plans_setting([(plan.name, plan.max_storage_mb) for plan in plans])

    def write(self, vals):
        res = super().write(vals)
        if "plan_id" in vals:
            # after a plan change the tenant's figures are fresh at once
            self._measure_usage()
        return res
