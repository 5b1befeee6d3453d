from odoo import models


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _backup_failed(self, backup, message):
        """saas_backup records every failed backup and failed restore drill
        here: tell the outside systems too, in the same transaction."""
        result = super()._backup_failed(backup, message)
        self.env["saas.webhook.event"]._emit("backup.failed", self, {
            "instance_id": self.id,
            "subdomain": self.subdomain,
            "backup_id": backup.id,
            "kind": backup.kind,
            "drill_failed": backup.drill_state == "failed",
            "error": message,
        })
        return result
