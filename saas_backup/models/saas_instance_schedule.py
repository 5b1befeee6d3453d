from odoo import models

from ..lib import policy


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _backup_schedule(self, now, configured=True):
        """What the hourly schedule does for ONE instance: queue its backup
        when due (``configured``: a storage is set), apply retention, refresh
        its health.  True when a backup was queued."""
        self.ensure_one()
        queued = False
        if configured:
            if self.backup_schedule != "none":
                latest = self.backup_ids.filtered(lambda b: b.state in ("pending", "done"))
                latest = max(latest.mapped("create_date"), default=None)
                if policy.is_due(self.backup_schedule, latest, now):
                    self._create_backup("scheduled")._enqueue()
                    queued = True
            self._prune_backups()
        self._update_backup_health(now)
        return queued
