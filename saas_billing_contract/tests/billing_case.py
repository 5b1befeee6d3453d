"""What the billing tests share: plans on a real template, a customer,
and helpers that run the contract cron, dunning and payments at a date."""
import psycopg2
import requests
from freezegun import freeze_time

from odoo.tests import HttpCase
from odoo.addons.saas_provisioning.tests.common import (
    create_instance,
    create_plan,
    create_test_server,
    provision,
    ready_template,
)

from .common import demo_provider

PASSWORD = "S3cret-tenant-pass"
LOGIN = "owner@h5-customer.test"


class BillingCase(HttpCase):
    """Billing against real parts: OCA contracts make the invoices, they are
    posted, mailed and paid through the payment wizard; suspension and
    reactivation reach real tenant databases cloned from a template built
    by a real `odoo -i`."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.email = "billing@h5-host.test"
        cls.server = create_test_server(cls.env, name="Billing test PostgreSQL")
        cls.template = ready_template(cls.env, cls.server)
        cls.pg = cls.server._pg_admin()
        def plan(name, price, period="monthly", **vals):
            return create_plan(cls.env, cls.template, name=name, price=price, period=period,
                               max_storage_mb=0, **vals)

        cls.monthly = plan("H5 Monthly", 30.0, max_users=5, included_users=2,
                           extra_user_price=5.0)
        cls.yearly = plan("H5 Yearly", 300.0, "yearly", max_users=5)
        cls.big = plan("H5 Big", 60.0, max_users=10)
        cls.small = plan("H5 Small", 10.0, max_users=2)
        cls.trial_plan = plan("H5 Trial", 30.0, trial_days=14, max_users=5)
        cls.customer = cls.env["res.partner"].create({
            "name": "H5 Customer", "email": LOGIN})
        cls.Instance = cls.env["saas.instance"]

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _instance(self, subdomain, plan, **vals):
        return create_instance(self.env, subdomain, self.customer, plan,
                               **dict({"name": f"Company {subdomain}",
                                       "server_id": self.server.id}, **vals))

    def _tenant(self, subdomain, plan):
        """A real tenant database, provisioned through the pipeline."""
        instance = self._instance(subdomain, plan)
        self.addCleanup(self._drop, instance.database_name)
        return provision(instance, PASSWORD)

    def _drop(self, dbname):
        self.pg.drop(dbname)
        self.server._filestore().remove(dbname)

    def _suspended_in_tenant(self, instance):
        conn = psycopg2.connect(**self.server._connection_params(instance.database_name))
        try:
            with conn.cursor() as cr:
                cr.execute("SELECT value FROM saas_control.tenant_setting WHERE key = 'suspended'")
                return cr.fetchone()[0] == "1"
        finally:
            conn.close()

    def _login(self, instance):
        response = requests.post(
            self.base_url() + "/web/session/authenticate", timeout=30,
            json={"jsonrpc": "2.0", "method": "call", "params": {
                "db": instance.database_name, "login": LOGIN, "password": PASSWORD}},
            headers={"Host": instance._host()})
        return (response.json().get("result") or {}).get("uid")

    def _invoice(self, when, **context):
        # the charge and the mail of each invoice are jobs: run them inline
        with freeze_time(when):
            self.env["contract.contract"].with_context(
                queue_job__no_delay=True, **context).cron_recurring_create_invoice(date_ref=when)

    def _invoices(self, instance):
        return self.env["account.move"].search(
            [("line_ids.saas_instance_id", "=", instance.id)], order="invoice_date, id")

    def _pay(self, invoice, when, amount=None):
        vals = {"payment_date": when}
        if amount is not None:
            vals.update(amount=amount, payment_difference_handling="open")
        with freeze_time(when):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids,
            ).create(vals)._create_payments()

    def _dunning(self, when):
        with freeze_time(when):
            return self.Instance.with_context(
                queue_job__no_delay=True)._cron_billing_dunning(date=when)

    @classmethod
    def _demo_provider(cls):
        return demo_provider(cls.env)

    def _saved_card(self, partner, state="done"):
        """A card the customer saved with the demo provider (what the portal's
        "Save my payment details" creates); ``state`` is what charges get."""
        provider = self._demo_provider()
        return self.env["payment.token"].create({
            "provider_id": provider.id,
            "payment_method_id": provider.payment_method_ids[:1].id,
            "partner_id": partner.id,
            "payment_details": "4242",
            "provider_ref": "h5 demo card",
            "demo_simulated_state": state,
        })

    def _mails(self, subject_part):
        return self.env["mail.mail"].search([("subject", "ilike", subject_part)])
