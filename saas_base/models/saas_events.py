from odoo import api, models


class SaasEvents(models.AbstractModel):
    """The one door through which the addon that owns an event tells the
    outside world: ``self.env["saas.events"]._saas_event(code, record,
    data)``.  Nothing happens here; saas_webhook sends them (signed,
    retried).  The owner calls it where the event happens, so no other addon
    has to guess it from ORM writes."""

    _name = "saas.events"
    _description = "SaaS lifecycle events"

    @api.model
    def _saas_event(self, code, record=None, data=None):
        """``code`` (e.g. "subscription.cancelled") happened to ``record``;
        ``data``: what the event adds to the record's own description."""
        return None
