"""Module updates on tenants, as each tenant's role."""
import time

from odoo import _, models

from .. import pipeline
from ..tools import odoo_cli


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _enqueue_update_modules(self, modules):
        jobs = []
        for instance in self._live():
            jobs.append(instance.with_delay(
                channel=pipeline.DEFAULT_CHANNEL, max_retries=3,
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
        except Exception as exc:
            if pipeline.outcome("update", exc) is None:
                raise
            self._log("update", ",".join(modules), pipeline.FAIL, started, str(exc))
            self.message_post(body=_("Module update failed: %s") % exc)
            return str(exc)
        self._log("update", ",".join(modules), "done", started, out[-2000:] or None)
        self.message_post(body=_("Modules updated: %s") % ", ".join(modules))
        return out
