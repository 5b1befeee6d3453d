from odoo import models


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _release_data(self, update):
        return {
            "instance_id": self.id,
            "subdomain": self.subdomain,
            "update_id": update.id,
            "from_release": update.from_release_id.name or None,
            "to_release": update.release_id.name,
            "state": update.state,
        }

    def _release_updated(self, update):
        result = super()._release_updated(update)
        self.env["saas.webhook.event"]._emit("instance.updated", self, self._release_data(update))
        return result

    def _release_failed(self, update):
        """Outside systems learn of every failed promotion, recovered or not."""
        result = super()._release_failed(update)
        self.env["saas.webhook.event"]._emit("instance.update_failed", self, dict(
            self._release_data(update), recovered=update.state == "recovered",
            error=update.summary))
        return result
