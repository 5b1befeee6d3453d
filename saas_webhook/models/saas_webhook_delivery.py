import json
import time

from odoo import _, fields, models

from odoo.addons.saas_base.tools import settings

from ..tools import signing, transport


class SaasWebhookDelivery(models.Model):
    """One event for one endpoint: the outbox row a drain job sends."""

    _name = "saas.webhook.delivery"
    _description = "Webhook Delivery"
    _order = "event_id desc, id desc"
    _rec_name = "event_id"

    event_id = fields.Many2one("saas.webhook.event", required=True, ondelete="cascade",
                               index=True, readonly=True)
    endpoint_id = fields.Many2one("saas.webhook.endpoint", required=True, ondelete="cascade",
                                  readonly=True)
    event_type = fields.Char(related="event_id.event_type", store=True)
    message_id = fields.Char(related="event_id.message_id", string="Webhook ID")
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Delivered"), ("failed", "Failed")],
        default="pending", required=True, readonly=True, index=True)
    attempt_count = fields.Integer(readonly=True)
    next_attempt_date = fields.Datetime(readonly=True)
    last_status_code = fields.Integer(string="Last Response Code", readonly=True)
    last_error = fields.Char(readonly=True)
    delivered_date = fields.Datetime(readonly=True)
    attempt_ids = fields.One2many("saas.webhook.attempt", "delivery_id", readonly=True)

    _sql_constraints = [
        ("event_endpoint_unique", "unique(event_id, endpoint_id)",
         "An event is delivered once per endpoint."),
    ]

    def init(self):
        # the drain's head query: pending rows of one endpoint in event order
        # (deliveries are created with their event, so id order is event order)
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS saas_webhook_delivery_pending_idx
                ON saas_webhook_delivery (endpoint_id, id) WHERE state = 'pending'
        """)

    def _attempt(self, session=None):
        """One POST of this message, logged; sets the delivery's state."""
        self.ensure_one()
        endpoint = self.endpoint_id.sudo()
        event = self.event_id
        body = event.body.encode()
        timestamp = int(time.time())
        headers = signing.headers(endpoint.secret, event.message_id, timestamp, body)
        result = transport.send(
            endpoint.url, headers, body,
            timeout=settings.get(self.env, "saas_webhook.timeout_seconds"),
            allow_private=endpoint._allow_private(), session=session)
        now = fields.Datetime.now()
        vals = {"attempt_count": self.attempt_count + 1, "last_status_code": result.status,
                "last_error": result.error or False, "next_attempt_date": False}
        if result.ok:
            vals.update(state="done", delivered_date=now)
        elif not result.retryable:
            vals["state"] = "failed"
        self.write(vals)
        logged = {k: v for k, v in headers.items() if k != "webhook-signature"}
        self.env["saas.webhook.attempt"].create({
            "delivery_id": self.id,
            "date": now,
            "url": endpoint.url,
            "request_headers": json.dumps(logged),
            "status_code": result.status,
            "response_body": result.body,
            "error": result.error,
            "duration_ms": result.duration_ms,
            "result": "done" if result.ok else ("retry" if result.retryable else "failed"),
        })
        return result

    def action_replay(self):
        """Send again with the same webhook-id (receivers dedupe on it)."""
        for delivery in self:
            delivery.write({"state": "pending", "next_attempt_date": False})
            delivery.endpoint_id.message_post(body=_(
                "Replay of %(msg)s (%(type)s) requested by %(user)s.",
                msg=delivery.message_id, type=delivery.event_type, user=self.env.user.name))
        self.endpoint_id._enqueue_drain()
        return True
