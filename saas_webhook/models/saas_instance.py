from odoo import api, fields, models

# state reached -> event type; reactivation is told apart by the old state
STATE_EVENTS = {
    "active": "instance.active",
    "suspended": "instance.suspended",
    "terminated": "instance.terminated",
    "failed": "instance.failed",
}
# context key set while a plan change replaces contract lines: the line
# stopped and its successor are one "plan changed", not a cancel + a start
PLAN_CHANGE_KEY = "saas_webhook_plan_change"


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
            "trial_end_date": self.trial_end_date or None,
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

    def _set_state(self, new_state, message=None):
        old_states = {instance.id: instance.state for instance in self}
        res = super()._set_state(new_state, message=message)
        event_type = STATE_EVENTS.get(new_state)
        if event_type:
            for instance in self:
                old = old_states[instance.id]
                etype = "instance.reactivated" if (new_state, old) == ("active", "suspended") \
                    else event_type
                instance._webhook_emit(etype, previous_state=old)
        return res

    def _hook_tampered(self, reason):
        res = super()._hook_tampered(reason)
        self._webhook_emit("instance.tampered", reason=reason)
        return res

    def _hook_down(self, reason):
        res = super()._hook_down(reason)
        self._webhook_emit("instance.down", reason=reason,
                           failed_probes=self.probe_failures)
        return res

    def _hook_recovered(self, down_since):
        res = super()._hook_recovered(down_since)
        self._webhook_emit("instance.recovered",
                           down_since=fields.Datetime.to_string(down_since) or None)
        return res

    def change_plan(self, new_plan, date=None):
        old_plan = self.plan_id
        res = super(SaasInstance, self.with_context(**{PLAN_CHANGE_KEY: True})).change_plan(
            new_plan, date=date)
        self._webhook_emit(
            "instance.plan_changed",
            previous_plan={"id": old_plan.id, "name": old_plan.name} if old_plan else None,
            change_date=res.get("date"), credit=res.get("credit"), charge=res.get("charge"))
        return res
