import json
from datetime import timedelta

from standardwebhooks.webhooks import WebhookVerificationError

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import WebhookCase, run_drain


@tagged("post_install", "-at_install")
class TestWebhook(WebhookCase):
    """Deliveries to a real HTTP receiver on loopback (a thread of this
    process), verified with the standardwebhooks library."""

    # endpoints ---------------------------------------------------------
    def test_secret_shown_once_and_system_only(self):
        endpoint = self._endpoint()
        secret = endpoint.sudo().secret
        self.assertTrue(secret.startswith("whsec_"))
        self.assertEqual(endpoint.secret_hint, secret[:10] + "…")
        with self.assertRaises(AccessError):
            endpoint.with_user(self.manager).read(["secret"])
        with self.assertRaises(UserError):
            endpoint.with_user(self.manager).action_reveal_secret()
        action = endpoint.with_user(self.owner).action_reveal_secret()
        wizard = self.env["saas.webhook.secret"].browse(action["res_id"])
        self.assertEqual(wizard.secret, secret)
        with self.assertRaises(UserError, msg="shown once"):
            endpoint.with_user(self.owner).action_reveal_secret()
        with self.assertRaises(UserError):
            endpoint.write({"secret": "whsec_chosen"})
        action = endpoint.with_user(self.owner).action_rotate_secret()
        rotated = self.env["saas.webhook.secret"].browse(action["res_id"]).secret
        self.assertNotEqual(rotated, secret)
        self.assertEqual(endpoint.sudo().secret, rotated)

    def test_ssrf_guard(self):
        self.ICP.set_param("saas_webhook.allow_private_urls", "")
        for url in ("http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://169.254.169.254/",
                    "http://[::1]/x", "ftp://example.com/", "http://localhost/x"):
            with self.assertRaises(ValidationError, msg=url):
                self._endpoint(url=url)
        # allowed when saved, refused at delivery time (as after DNS rebinding)
        self.ICP.set_param("saas_webhook.allow_private_urls", "1")
        endpoint = self._endpoint()
        self.ICP.set_param("saas_webhook.allow_private_urls", "")
        self.Event._emit("backup.failed", None, {"instance_id": False, "error": "disk full"})
        self.assertFalse(self._drain(endpoint), "refused for good, not retried")
        delivery = endpoint.delivery_ids
        self.assertEqual(delivery.state, "failed")
        self.assertIn("non-public", delivery.last_error)
        self.assertEqual(self.receiver.requests, [], "nothing reached the receiver")

    # delivery ----------------------------------------------------------
    def test_lifecycle_events_delivered_and_verified(self):
        endpoint = self._endpoint()
        other = self._endpoint(name="Status page", event_type_ids=self._types(
            "instance.suspended").ids)
        instance = self._instance("wh-life")
        instance._set_state("provisioning")
        instance._set_state("active")
        instance._set_state("suspended")
        instance._set_state("active")
        instance._set_state("terminated")
        self.assertFalse(self._drain(endpoint))
        types = [json.loads(r["body"])["type"] for r in self.receiver.requests]
        self.assertEqual(types, ["instance.created", "instance.active", "instance.suspended",
                                 "instance.reactivated", "instance.terminated"],
                         "in event order, provisioning sends nothing")
        for request in self.receiver.requests:
            payload = self._verify(endpoint, request)
            self.assertEqual(payload["data"]["subdomain"], "wh-life")
        tampered = dict(self.receiver.requests[0])
        tampered["body"] = tampered["body"].replace(b"wh-life", b"wh-evil")
        with self.assertRaises(WebhookVerificationError):
            self._verify(endpoint, tampered)
        with self.assertRaises(WebhookVerificationError, msg="another endpoint's secret"):
            self._verify(other, self.receiver.requests[0])
        self.assertTrue(all(d.state == "done" for d in endpoint.delivery_ids))
        self.assertEqual(other.delivery_ids.event_type, "instance.suspended",
                         "only the subscribed type")
        attempt = endpoint.delivery_ids.attempt_ids[:1]
        self.assertEqual((attempt.status_code, attempt.result), (200, "done"))
        self.assertNotIn("webhook-signature", attempt.request_headers)

    def test_500_then_200_retries_with_backoff(self):
        endpoint = self._endpoint()
        self.receiver.statuses[:] = [500, 429]
        event = self.Event._emit("backup.failed", None, {"error": "disk full"})
        delivery = event.delivery_ids
        self.assertTrue(self._drain(endpoint), "5xx: retried later")
        self.assertEqual((delivery.state, delivery.attempt_count, delivery.last_status_code),
                         ("pending", 1, 500))
        self.assertGreater(delivery.next_attempt_date, fields.Datetime.now() - timedelta(
            seconds=1))
        self.assertEqual(delivery.attempt_ids.next_attempt_date, delivery.next_attempt_date)
        self.assertEqual(delivery.attempt_ids.response_body, "receiver says no")
        self.assertTrue(self._drain(endpoint), "not due yet: postponed, no request")
        self.assertEqual(len(self.receiver.requests), 1)
        self._make_due(endpoint)
        self.receiver.retry_after = 3600
        self.assertTrue(self._drain(endpoint), "429: retried later")
        self.assertEqual(endpoint.failure_count, 2)
        self.assertGreater(delivery.next_attempt_date,
                           fields.Datetime.now() + timedelta(seconds=3500),
                           "the receiver's Retry-After is honoured")
        self._make_due(endpoint)
        self.assertFalse(self._drain(endpoint))
        self.assertEqual(delivery.state, "done")
        self.assertEqual(self.receiver.ids(), [event.message_id] * 3, "same id every time")
        self.assertEqual(self.receiver.ids(200), [event.message_id], "received once")
        self.assertEqual((endpoint.failure_count, endpoint.failing_since), (0, False))
        self.assertEqual(delivery.attempt_ids.mapped("result"), ["done", "retry", "retry"])

    def test_order_kept_and_4xx_not_retried(self):
        endpoint = self._endpoint()
        self.receiver.statuses[:] = [503]
        first = self.Event._emit("backup.failed", None, {"n": 1})
        second = self.Event._emit("backup.failed", None, {"n": 2})
        self.assertTrue(self._drain(endpoint))
        self.assertEqual(self.receiver.ids(), [first.message_id], "second waits behind first")
        self.receiver.statuses[:] = [400]
        self._make_due(endpoint)
        self.assertFalse(self._drain(endpoint))
        self.assertEqual(self.receiver.ids(), [first.message_id] * 2 + [second.message_id])
        self.assertEqual(first.delivery_ids.state, "failed", "400: no retry")
        self.assertEqual(second.delivery_ids.state, "done")
        # replay from the backend: same id, same body
        endpoint.action_replay_failed()
        self.assertFalse(self._drain(endpoint))
        self.assertEqual(first.delivery_ids.state, "done")
        replayed = self.receiver.requests[-1]
        self.assertEqual(replayed["headers"]["webhook-id"], first.message_id)
        self.assertEqual(replayed["body"], first.body.encode())
        self._verify(endpoint, replayed)

    def test_endpoint_failing_for_days_is_disabled(self):
        endpoint = self._endpoint()
        self.receiver.default_status = 503
        event = self.Event._emit("backup.failed", None, {"error": "x"})
        self.assertTrue(self._drain(endpoint))
        endpoint.failing_since = fields.Datetime.now() - timedelta(hours=73)
        self._make_due(endpoint)
        self.assertFalse(self._drain(endpoint), "disabled: the job stops")
        self.assertEqual(endpoint.state, "disabled")
        self.assertIn("Failing since", endpoint.disabled_reason)
        activity = endpoint.activity_ids
        self.assertEqual(activity.user_id, self.owner)
        self.assertEqual(event.delivery_ids.state, "pending", "kept, not lost")
        # later events queue without a request; enabling sends them in order
        later = self.Event._emit("backup.failed", None, {"error": "y"})
        self.assertEqual(len(self.receiver.requests), 2)
        self.receiver.default_status = 200
        self.assertFalse(run_drain(endpoint, endpoint.action_enable))
        self.assertEqual(self.receiver.ids(200), [event.message_id, later.message_id])

    def test_cron_requeues_a_lost_job_and_managers_only_read(self):
        endpoint = self._endpoint()
        delivery = self.Event._emit("backup.failed", None, {}).delivery_ids
        with trap_jobs() as trap:
            self.Endpoint._cron_dispatch()
            trap.assert_jobs_count(1, only=endpoint._job_deliver)
        with self.assertRaises(AccessError):
            delivery.with_user(self.manager).write({"state": "done"})
        with self.assertRaises(AccessError):
            delivery.with_user(self.manager).action_replay()
        self.assertEqual(delivery.with_user(self.manager).state, "pending")

    def test_emit_door(self):
        with self.assertRaises(UserError):
            self.Event._emit("no.such.event")
        self.assertFalse(self.Event._emit("backup.failed", None, {}), "nobody listens")
        endpoint = self._endpoint()
        instance = self._instance("wh-door")
        event = self.Event._emit("backup.failed", instance, {"instance_id": instance.id,
                                                           "error": "disk full"})
        self.assertEqual((event.instance_id, event.res_model, event.res_id),
                         (instance, "saas.instance", instance.id))
        self.assertEqual(event.delivery_ids.endpoint_id, endpoint)
        self.assertTrue(event.message_id.startswith("msg_"))

    def test_down_and_recovered_events(self):
        """The uptime alert's two ends (saas_provisioning's _alert_down /
        _alert_recovered) become events, with the reason and the start."""
        endpoint = self._endpoint(event_type_ids=[(6, 0, self._types(
            "instance.down", "instance.recovered").ids)])
        instance = self._instance("wh-down")
        since = fields.Datetime.to_datetime("2031-03-04 10:05:00")
        instance._alert_down("HTTP 303 to /web/database/selector")
        instance._alert_recovered(since, since + timedelta(minutes=20))
        events = self.Event.search([("instance_id", "=", instance.id),
                                    ("event_type", "in", ("instance.down",
                                                          "instance.recovered"))],
                                   order="id")
        self.assertEqual(events.mapped("event_type"), ["instance.down", "instance.recovered"])
        self.assertEqual(events.delivery_ids.endpoint_id, endpoint)
        down, up = (json.loads(e.body)["data"] for e in events)
        self.assertEqual(down["reason"], "HTTP 303 to /web/database/selector")
        self.assertEqual(up["down_since"], "2031-03-04 10:05:00")
