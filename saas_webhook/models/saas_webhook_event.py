import json
import uuid

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class SaasWebhookEvent(models.Model):
    """The outbox: an event is written in the transaction of the change
    that caused it, with one delivery per subscribed endpoint; the body is
    frozen then, so retries and replays send the same bytes and id."""

    _name = "saas.webhook.event"
    _description = "Webhook Event"
    _order = "id desc"
    _rec_name = "message_id"

    message_id = fields.Char(string="Webhook ID", required=True, readonly=True, index=True,
                             default=lambda self: f"msg_{uuid.uuid4().hex}", copy=False)
    event_type = fields.Char(required=True, readonly=True, index=True)
    res_model = fields.Char(string="Model", readonly=True)
    res_id = fields.Many2oneReference(string="Record", model_field="res_model", readonly=True)
    instance_id = fields.Many2one("saas.instance", readonly=True, index="btree_not_null",
                                  ondelete="set null")
    body = fields.Text(required=True, readonly=True)
    delivery_ids = fields.One2many("saas.webhook.delivery", "event_id", readonly=True)

    _sql_constraints = [("message_id_unique", "unique(message_id)", "Webhook ids are unique.")]

    @api.model
    def _emit(self, event_type, record=None, data=None):
        """THE door for every addon: record ``event_type`` (a code of
        saas.webhook.event.type, e.g. "backup.failed") about ``record`` with
        ``data`` (a JSON-able dict; default: ``record._webhook_data()`` when
        it has one) and queue its delivery to each subscribed endpoint.
        Same transaction as the caller: rolled back with it, never lost
        once committed.  Returns the event (empty when nobody listens)."""
        Type = self.env["saas.webhook.event.type"].sudo()
        etype = Type.search([("code", "=", event_type)], limit=1)
        if not etype:
            raise UserError(_("Unknown webhook event type %s.", event_type))
        endpoints = self.env["saas.webhook.endpoint"].sudo().search([])._subscribed(etype)
        if not endpoints:
            return self.browse()
        if data is None:
            data = record._webhook_data() if record is not None and \
                hasattr(record, "_webhook_data") else {}
        if record is not None and record._name == "saas.instance":
            instance = record
        else:
            instance = data.get("instance_id") and self.env["saas.instance"].browse(
                data["instance_id"]) or self.env["saas.instance"]
        now = fields.Datetime.now()
        body = json.dumps({
            "type": event_type,
            "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "data": data,
        }, sort_keys=True, default=str)
        event = self.sudo().create({
            "event_type": event_type,
            "res_model": record._name if record is not None else False,
            "res_id": record.id if record is not None else False,
            "instance_id": instance.id,
            "body": body,
            "delivery_ids": [(0, 0, {"endpoint_id": e.id}) for e in endpoints],
        })
        endpoints._enqueue_drain()
        return event

    def action_replay(self):
        self.delivery_ids.action_replay()
        return True
