"""Test helpers shared with the bridges (saas_webhook_payment, ...)."""
from datetime import timedelta

from standardwebhooks.webhooks import Webhook

from odoo import fields
from odoo.tests import TransactionCase, new_test_user

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.saas_base.tests.common import (
    create_instance,
    create_plan,
    create_template,
    create_test_server,
)

from .receiver import Receiver


def enter_job_cursor_mode(cls):
    """The drain job commits (allow_commit): queue_job runs it on a cursor
    of its own, which must be the test's one.  Call from setUpClass."""
    cls.registry.enter_test_mode(cls.cr)
    cls.addClassCleanup(cls.registry.leave_test_mode)


def run_drain(endpoints, action=None):
    """Queue the endpoints' drain jobs (or run ``action``, which queues
    them) and perform them as the job runner would.  True when a job asked
    to be retried later (RetryableJobError)."""
    env = endpoints.env
    with trap_jobs() as trap:
        if action:
            action()
        else:
            endpoints._enqueue_drain()
        env.flush_all()
        try:
            trap.perform_enqueued_jobs()
        except RetryableJobError:
            return True
        finally:
            env.invalidate_all()
    return False


class WebhookCase(TransactionCase):
    """Endpoints delivering to a real HTTP receiver on loopback (a thread of
    this process), two plans, a customer, an owner and a manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        enter_job_cursor_mode(cls)
        cls.receiver = Receiver()
        cls.receiver.__enter__()
        cls.addClassCleanup(cls.receiver.__exit__)
        cls.ICP = cls.env["ir.config_parameter"]
        cls.ICP.set_param("saas_webhook.allow_private_urls", "1")
        cls.Endpoint = cls.env["saas.webhook.endpoint"]
        cls.Event = cls.env["saas.webhook.event"]
        server = create_test_server(cls.env, name="Webhook test PostgreSQL")
        template = create_template(cls.env, server, name="Webhook tpl", module_list="base")
        cls.plan = create_plan(cls.env, template, name="WH Monthly", price=30.0,
                               period="monthly", max_users=5)
        cls.big = create_plan(cls.env, template, name="WH Big", price=60.0, period="monthly",
                              max_users=10)
        cls.customer = cls.env["res.partner"].create(
            {"name": "WH Customer", "email": "wh@customer.test"})
        cls.owner = new_test_user(cls.env, "wh_owner", groups="base.group_system",
                                  email="owner@wh.test")
        cls.manager = new_test_user(cls.env, "wh_manager", groups="saas_base.group_saas_manager")

    def setUp(self):
        super().setUp()
        self.receiver.requests.clear()
        self.receiver.statuses.clear()
        self.receiver.default_status = 200
        self.receiver.retry_after = 0

    # helpers -----------------------------------------------------------
    def _endpoint(self, **vals):
        endpoint = self.Endpoint.create(dict({
            "name": "CRM", "url": self.receiver.url, "user_id": self.owner.id}, **vals))
        return endpoint

    def _types(self, *codes):
        return self.env["saas.webhook.event.type"].search([("code", "in", codes)])

    def _instance(self, subdomain):
        return create_instance(self.env, subdomain, self.customer, self.plan,
                               name=f"Company {subdomain}")

    def _drain(self, endpoint):
        return run_drain(endpoint)

    def _make_due(self, endpoint):
        endpoint.delivery_ids.filtered(lambda d: d.state == "pending").next_attempt_date = \
            fields.Datetime.now() - timedelta(seconds=1)

    def _verify(self, endpoint, request):
        secret = endpoint.sudo().secret
        return Webhook(secret).verify(request["body"], request["headers"])
