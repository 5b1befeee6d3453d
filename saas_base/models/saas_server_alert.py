from odoo import _, models

from .saas_server_capacity import CAPACITY_ALERT_RATIO


class SaasServer(models.Model):
    """A server at CAPACITY_ALERT_RATIO of any of its limits is an alert:
    checked where the figures change (the capacity check's
    ``_record_capacity``, an instance taking or leaving the server)."""

    _name = "saas.server"
    _inherit = ["saas.server", "mail.activity.mixin"]

    def _record_capacity(self, database_mb, connection_count):
        res = super()._record_capacity(database_mb, connection_count)
        self._check_capacity_alert()
        return res

    def _capacity_alert_limits(self):
        """{limit: (used, limit)} of the limits at the alert ratio or over."""
        self.ensure_one()
        return {name: (used, limit) for name, (used, limit) in self._capacity_usage().items()
                if limit and used / limit >= CAPACITY_ALERT_RATIO}

    def _check_capacity_alert(self):
        """Raise the alert on each server over the ratio (once while open)."""
        Alert = self.env["saas.alert"]
        raised = self.browse()
        servers = self.exists()
        # the instance count is computed, not stored: read it afresh
        servers.invalidate_recordset(["instance_count", "capacity_free", "capacity_ratio"])
        for server in servers:
            if server.capacity_ratio < CAPACITY_ALERT_RATIO:
                continue
            activity = Alert._raise_alert(
                server, Alert._summary_capacity(),
                _("%(server)s is at %(ratio)s %% of its limits: %(usage)s.",
                  server=server.display_name, ratio=round(server.capacity_ratio * 100),
                  usage=server._capacity_summary()))
            if activity:
                self.env["saas.events"]._saas_event(
                    "server.capacity", server, server._capacity_event_data())
                raised |= server
        return raised

    def _capacity_event_data(self):
        """What ``server.capacity`` tells the outside when the alert is raised."""
        self.ensure_one()
        return {
            "server_id": self.id,
            "name": self.name,
            "capacity_ratio": round(self.capacity_ratio, 4),
            "limits": {name: {"used": used, "limit": limit}
                       for name, (used, limit) in self._capacity_alert_limits().items()},
        }


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _on_state_changed(self, old_states, new_state, message=None):
        super()._on_state_changed(old_states, new_state, message)
        if new_state != "terminated":  # one more instance can only fill a server
            self.server_id._check_capacity_alert()
