import logging
import zlib
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.saas_base.tools import settings

from ..tools import backoff, signing, ssrf, transport

_logger = logging.getLogger(__name__)

CHANNEL = "root.saas_webhook"
# first key of the per-endpoint advisory lock (stable across processes)
LOCK_SPACE = zlib.crc32(b"saas_webhook_endpoint") & 0x7FFFFFFF
# deliveries one drain job sends before handing over to a fresh job (keeps a
# job short and lets other endpoints' jobs take turns on the channel)
DRAIN_BATCH = 200


def drain_identity(endpoint_id):
    return f"saas_webhook_drain_{endpoint_id}"


class SaasWebhookEndpoint(models.Model):
    _name = "saas.webhook.endpoint"
    _description = "Webhook Endpoint"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    url = fields.Char(string="URL", required=True, tracking=True,
                      help="Receives a POST per event (Standard Webhooks format).")
    description = fields.Text()
    active = fields.Boolean(default=True, tracking=True)
    state = fields.Selection(
        [("enabled", "Enabled"), ("disabled", "Disabled")], default="enabled", required=True,
        readonly=True, tracking=True, copy=False,
        help="Disabled after failing for days (or by hand): events keep queueing and "
        "are sent once it is enabled again.")
    disabled_reason = fields.Char(readonly=True, copy=False)
    event_type_ids = fields.Many2many(
        "saas.webhook.event.type", string="Event Types",
        help="Events sent to this endpoint; empty: every event type.")
    user_id = fields.Many2one("res.users", string="Owner", default=lambda self: self.env.user,
                              required=True, tracking=True,
                              help="Notified when the endpoint is disabled.")
    secret = fields.Char(groups="base.group_system", copy=False, readonly=True,
                         help="whsec_...: the receiver verifies signatures with it.")
    secret_hint = fields.Char(readonly=True, copy=False)
    secret_revealed = fields.Boolean(readonly=True, copy=False)
    failure_count = fields.Integer(
        readonly=True, copy=False, help="Consecutive failed attempts (0 after a success).")
    failing_since = fields.Datetime(readonly=True, copy=False)
    last_success_date = fields.Datetime(readonly=True, copy=False)
    delivery_ids = fields.One2many("saas.webhook.delivery", "endpoint_id")
    pending_count = fields.Integer(compute="_compute_counts")
    failed_count = fields.Integer(compute="_compute_counts")

    # ------------------------------------------------------------------
    # settings
    # ------------------------------------------------------------------
    @api.model
    def _allow_private(self):
        return settings.get(self.env, "saas_webhook.allow_private_urls")

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def _compute_counts(self):
        Delivery = self.env["saas.webhook.delivery"]
        counts = {
            (endpoint.id, state): count
            for endpoint, state, count in Delivery._read_group(
                [("endpoint_id", "in", self.ids), ("state", "in", ("pending", "failed"))],
                ["endpoint_id", "state"], ["__count"])
        }
        for endpoint in self:
            endpoint.pending_count = counts.get((endpoint.id, "pending"), 0)
            endpoint.failed_count = counts.get((endpoint.id, "failed"), 0)

    @api.constrains("url")
    def _check_url(self):
        allow_private = self._allow_private()
        for endpoint in self:
            try:
                ssrf.check_url(endpoint.url, allow_private=allow_private)
            except ssrf.UnsafeURL as err:
                raise ValidationError(_("Webhook URL %(url)s refused: %(reason)s",
                                        url=endpoint.url, reason=err)) from err

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.pop("secret", None)
        endpoints = super().create(vals_list)
        for endpoint in endpoints:
            endpoint._set_new_secret()
        return endpoints

    def write(self, vals):
        if "secret" in vals:
            raise UserError(_("Secrets are generated: use Rotate Secret."))
        return super().write(vals)

    def _set_new_secret(self):
        self.ensure_one()
        secret = signing.generate_secret()
        # past our own write(), which refuses a secret chosen by a caller
        super(SaasWebhookEndpoint, self.sudo()).write({
            "secret": secret, "secret_hint": signing.secret_hint(secret),
            "secret_revealed": False})
        return secret

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def _check_system(self):
        if not self.env.user.has_group("base.group_system"):
            raise UserError(_("Only system administrators see webhook secrets."))

    def action_reveal_secret(self):
        """Show the secret once (right after create or rotate)."""
        self.ensure_one()
        self._check_system()
        if self.secret_revealed:
            raise UserError(_("The secret was already shown once; rotate it to get a new one."))
        secret = self.sudo().secret
        self.sudo().secret_revealed = True
        self.message_post(body=_("Secret revealed by %s.", self.env.user.name))
        wizard = self.env["saas.webhook.secret"].create(
            {"endpoint_id": self.id, "secret": secret})
        return {
            "type": "ir.actions.act_window", "res_model": "saas.webhook.secret",
            "res_id": wizard.id, "view_mode": "form", "target": "new",
            "name": _("Webhook secret"),
        }

    def action_rotate_secret(self):
        self.ensure_one()
        self._check_system()
        self._set_new_secret()
        self.message_post(body=_("Secret rotated by %s.", self.env.user.name))
        return self.action_reveal_secret()

    def action_enable(self):
        self.write({"state": "enabled", "disabled_reason": False, "failure_count": 0,
                    "failing_since": False})
        # try the waiting messages now, not at the end of the last backoff
        self.env["saas.webhook.delivery"].search([
            ("endpoint_id", "in", self.ids), ("state", "=", "pending"),
            ("next_attempt_date", "!=", False)]).next_attempt_date = False
        self._enqueue_drain()

    def action_disable(self):
        self.write({"state": "disabled", "disabled_reason": _("Disabled by %s", self.env.user.name)})

    def action_replay_failed(self):
        """Send every failed event of these endpoints again (same ids)."""
        failed = self.env["saas.webhook.delivery"].search(
            [("endpoint_id", "in", self.ids), ("state", "=", "failed")])
        failed.action_replay()
        return True

    def action_view_deliveries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "saas_webhook.saas_webhook_delivery_action")
        action["domain"] = [("endpoint_id", "=", self.id)]
        action["context"] = {"search_default_not_done": 1}
        return action

    # ------------------------------------------------------------------
    # delivery
    # ------------------------------------------------------------------
    def _subscribed(self, event_type):
        return self.filtered(
            lambda e: not e.event_type_ids or event_type in e.event_type_ids)

    def _enqueue_drain(self, eta=None):
        """One pending drain job per endpoint (identity_key): a burst of
        events queues one job, not one per event."""
        for endpoint in self.filtered(lambda e: e.state == "enabled" and e.active):
            endpoint.with_delay(
                channel=CHANNEL, eta=eta, max_retries=0, priority=20,
                identity_key=drain_identity(endpoint.id),
                description=_("Deliver webhooks to %s", endpoint.name),
            )._job_deliver()

    def _lock_for_drain(self):
        """Only one drain at a time per endpoint (keeps the event order).
        A transaction-level advisory lock: it goes with every commit and is
        taken again for the next message."""
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)",
            (LOCK_SPACE, self.id))
        locked = self.env.cr.fetchone()[0]
        # The drain's own commits (delivered mark, log row) need not wait
        # for the WAL flush: if PostgreSQL crashed right after one, the
        # message would be sent again with the same id (at-least-once); the
        # event itself was committed durably by the transaction that made it.
        self.env.cr.execute("SET LOCAL synchronous_commit TO OFF")
        return locked

    def _job_deliver(self):
        """Send this endpoint's due messages in event order, one commit per
        message (the job function allows commits; queue_job gives it a cursor
        of its own).  At the first retryable failure the job is postponed with
        RetryableJobError (backoff with full jitter); later messages wait
        behind it so that the receiver sees events in order."""
        self.ensure_one()
        endpoint = self.sudo()
        Delivery = self.env["saas.webhook.delivery"].sudo()
        session = transport.new_session()
        sent = 0
        while True:
            if not endpoint._lock_for_drain():
                raise RetryableJobError("another job is delivering to this endpoint",
                                        seconds=5, ignore_retry=True)
            endpoint.invalidate_recordset()
            if endpoint.state != "enabled" or not endpoint.active:
                return "endpoint disabled"
            head = Delivery.search([("endpoint_id", "=", endpoint.id), ("state", "=", "pending")],
                                   order="id", limit=1)
            if not head:
                return f"{sent} sent"
            now = fields.Datetime.now()
            if head.next_attempt_date and head.next_attempt_date > now:
                raise RetryableJobError(
                    "next attempt not due yet", ignore_retry=True,
                    seconds=max(1, int((head.next_attempt_date - now).total_seconds())))
            if sent >= DRAIN_BATCH:
                endpoint._enqueue_drain()
                self.env.cr.commit()  # pylint: disable=invalid-commit
                return f"{sent} sent, continued in a new job"
            result = head._attempt(session)
            sent += 1
            if result.ok or not result.retryable:
                endpoint._record_outcome(result)
                self.env.cr.commit()  # pylint: disable=invalid-commit
                continue
            delay = endpoint._record_outcome(result, head)
            self.env.cr.commit()  # pylint: disable=invalid-commit
            if endpoint.state != "enabled":
                return "endpoint disabled"
            raise RetryableJobError(result.error or f"HTTP {result.status}", seconds=delay)

    def _record_outcome(self, result, head=None):
        """Endpoint health after an attempt; returns the retry delay for a
        retryable failure of ``head`` (whose next attempt it sets)."""
        now = fields.Datetime.now()
        if result.ok:
            if self.failure_count or not self.last_success_date or \
                    self.last_success_date < now - timedelta(minutes=1):
                self.write({"failure_count": 0, "failing_since": False, "last_success_date": now})
            return 0
        if not result.retryable:
            return 0
        failures = self.failure_count + 1
        vals = {"failure_count": failures, "failing_since": self.failing_since or now}
        self.write(vals)
        cap = settings.get(self.env, "saas_webhook.retry_cap_seconds")
        delay = backoff.retry_delay(failures, base=settings.get(self.env, "saas_webhook.retry_base_seconds"),
                                    cap=cap)
        # a receiver asking for a pause (429/503 Retry-After) gets it, within the cap
        delay = max(delay, min(result.retry_after, cap))
        head.next_attempt_date = now + timedelta(seconds=delay)
        head.attempt_ids[:1].next_attempt_date = head.next_attempt_date
        limit = timedelta(hours=settings.get(self.env, "saas_webhook.disable_after_hours"))
        if now - self.failing_since >= limit:
            self._disable_failing()
        return int(delay)

    def _disable_failing(self):
        reason = _("Failing since %(since)s (last: %(error)s)", since=self.failing_since,
                   error=self.delivery_ids.attempt_ids[:1].error or "?")
        self.write({"state": "disabled", "disabled_reason": reason})
        body = _("Webhook endpoint %(name)s was disabled: %(reason)s. Its events are kept; "
                 "fix the receiver and enable the endpoint to send them.",
                 name=self.name, reason=reason)
        self.message_post(body=body, partner_ids=self.user_id.partner_id.ids,
                          subtype_xmlid="mail.mt_comment")
        self.activity_schedule("mail.mail_activity_data_todo", user_id=self.user_id.id,
                               summary=_("Webhook endpoint disabled"), note=body)
        _logger.warning("webhook endpoint %s disabled: %s", self.id, reason)

    @api.model
    def _cron_dispatch(self):
        """Safety net of the outbox: an endpoint with due pending messages
        and no pending job gets one (a job lost or failed, an event committed
        while a drain was finishing)."""
        self.env.cr.execute("""
            SELECT DISTINCT d.endpoint_id FROM saas_webhook_delivery d
              JOIN saas_webhook_endpoint e ON e.id = d.endpoint_id
             WHERE d.state = 'pending' AND e.state = 'enabled' AND e.active
               AND (d.next_attempt_date IS NULL OR d.next_attempt_date <= now() at time zone 'utc')
        """)
        endpoints = self.browse([row[0] for row in self.env.cr.fetchall()])
        endpoints._enqueue_drain()
        return True
