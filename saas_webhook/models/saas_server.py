from odoo import models


class SaasServer(models.Model):
    _inherit = "saas.server"

    def _hook_capacity_alert(self, limits):
        """saas_base raised the capacity alert: tell the outside systems."""
        res = super()._hook_capacity_alert(limits)
        self.env["saas.webhook.event"]._emit("server.capacity", self, {
            "server_id": self.id,
            "name": self.name,
            "capacity_ratio": round(self.capacity_ratio, 4),
            "limits": {name: {"used": used, "limit": limit}
                       for name, (used, limit) in limits.items()},
        })
        return res
