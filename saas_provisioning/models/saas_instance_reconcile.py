"""The reconciler: nothing stays half-made (what it does with each stuck
instance: ../pipeline.py, ``reconcile``)."""
import time

from odoo import _, api, fields, models

from .. import pipeline


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    @api.model
    def _cron_reconcile(self):
        """Resume or fail instances stuck in "provisioning" and report orphans.

        A worker killed mid-step leaves its job "started" forever (queue_job
        requeues those of dead workers on restart) or nothing at all; in both
        cases the instance stops moving.  Resume from the last step done (every
        step is idempotent); if its job exhausted its retries, mark it failed
        so that a person sees it and can retry.
        """
        stale = fields.Datetime.now() - pipeline.STALE_AFTER
        stuck = self.search([("state", "=", "provisioning"), ("write_date", "<", stale)])
        for instance in stuck:
            job = instance._current_job()
            action = pipeline.reconcile(job.state if job else None, instance.provision_step)
            if action == pipeline.SKIP:
                continue
            started = time.monotonic()
            if action == pipeline.FAIL_STUCK:
                instance._log("reconcile", instance._next_step() or "-", "failed", started,
                              job.exc_info and job.exc_info.strip().splitlines()[-1])
                instance._set_state("failed", _("Step %(step)s failed after its retries.",
                                                step=instance._next_step()))
                continue
            instance._log("reconcile", instance._next_step() or "-", "done", started,
                          _("Resumed after a stop"))
            if action == pipeline.RESUME:
                instance._enqueue_next_step()
            else:
                instance._provision_finish()
        self.env["saas.server"].search([("state", "!=", "down")])._scan_orphans()
        return True
