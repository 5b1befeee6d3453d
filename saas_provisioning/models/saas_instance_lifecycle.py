"""Suspend, reactivate, terminate: the hooks of saas_base's actions."""
import contextlib
import time

from odoo import _, models

from odoo.addons.queue_job.exception import RetryableJobError

from .. import pipeline
from ..adapters.contract import tenant_contract as contract


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _hook_suspend(self, reason=None):
        reason = reason or ""
        for instance in self:
            started = time.monotonic()
            instance._push_tenant_settings(
                {contract.SUSPENDED: True, contract.SUSPENDED_REASON: reason}, keys=())
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
                instance._push_tenant_settings(
                    {contract.SUSPENDED: False, contract.SUSPENDED_REASON: ""})
                instance._publish_routes()
            instance._log("reactivate", "write limits", "done", started)
        return True

    def _hook_terminate(self):
        for instance in self:
            if instance.state == "draft" or not instance.database_name:
                instance._set_state("terminated")
                continue
            job = instance.with_delay(
                channel=pipeline.DEFAULT_CHANNEL, max_retries=10,
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
        except Exception as exc:
            judged = pipeline.outcome("terminate", exc)
            if judged is None:
                raise
            self._log("terminate", "drop", judged[0], started, str(exc))
            raise RetryableJobError(str(exc), seconds=judged[1]) from exc
        self._log("terminate", "drop", "done", started)
        self.current_job_uuid = False
        self._set_state("terminated", _("Database and filestore removed."))
        self._publish_routes()
        return _("Dropped %s") % self.database_name
