from odoo import api, models


# state reached -> event type; reactivation is told apart by the old state
STATE_EVENTS = {
    "active": "instance.active",
    "suspended": "instance.suspended",
    "terminated": "instance.terminated",
    "failed": "instance.failed",
}


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _webhook_data(self):
        self.ensure_one()
        partner = self.partner_id
        return {
            "instance_id": self.id,
            "name": self.name,
            "subdomain": self.subdomain,
            "url": self.url,
            "state": self.state,
            "plan": {"id": self.plan_id.id, "name": self.plan_id.name} if self.plan_id else None,
            "customer": {"id": partner.id, "name": partner.name, "email": partner.email or None}
            if partner else None,
        }

    def _webhook_emit(self, event_type, **extra):
        Event = self.env["saas.webhook.event"]
        for instance in self:
            Event._emit(event_type, instance, dict(instance._webhook_data(), **extra))

    @api.model_create_multi
    def create(self, vals_list):
        instances = super().create(vals_list)
        instances._webhook_emit("instance.created")
        return instances

    def _on_state_changed(self, old_states, new_state, message=None):
        super()._on_state_changed(old_states, new_state, message)
        event_type = STATE_EVENTS.get(new_state)
        if event_type:
            for instance in self:
                old = old_states[instance.id]
                etype = "instance.reactivated" if (new_state, old) == ("active", "suspended") \
                    else event_type
                instance._webhook_emit(etype, previous_state=old)


class SaasEvents(models.AbstractModel):
    _inherit = "saas.events"

    @api.model
    def _saas_event(self, code, record=None, data=None):
        """Every event an addon owns, as a webhook event: ``data`` is added
        to the record's own description (``_webhook_data``), unless the
        event type says its owner gives the whole data (``record_data``
        off: the alerts, whose data describe the alert)."""
        etype = self.env["saas.webhook.event.type"].sudo().search([("code", "=", code)], limit=1)
        own = record._webhook_data() if record is not None and etype.record_data and \
            hasattr(record, "_webhook_data") else {}
        return self.env["saas.webhook.event"]._emit(code, record, dict(own, **(data or {})))
