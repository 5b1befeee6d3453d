from datetime import timedelta

import requests

from odoo import fields
from odoo.tests import tagged
from odoo.tools import formatLang

from odoo.addons.saas_base.tools import settings
from odoo.addons.saas_portal.tests.browser import (SCREENSHOT_DIR, BrowserMixin,
                                                   ScreenshotBrowser, require_browser)
from odoo.addons.saas_portal.tests.common import CSRF_RE, PASSWORD, SaasPortalCase
from odoo.addons.saas_provisioning.tests.common import create_customer, create_instance, provision

from .portal_common import invoice_current_month

LOGIN = "pay@h7.test"


@tagged("post_install", "-at_install")
class TestBrowserBilling(BrowserMixin, SaasPortalCase):
    """The paying customer's path in chromium, on real pages and a real
    tenant: paid signup -> contract -> the invoicing cron posts the first
    invoice -> paid online with Odoo's demo provider, card saved -> the next
    invoice is charged automatically -> a refused charge leads, after grace,
    to suspension -> paying in the portal reactivates the tenant at once."""

    real_template = True

    @classmethod
    def setUpClass(cls):
        require_browser()
        super().setUpClass()
        provider = cls.env.ref("payment.payment_provider_demo")
        provider.write({"state": "test", "is_published": True})
        if not provider.journal_id:
            provider.journal_id = cls.env["account.journal"].search(
                [("type", "=", "bank"), ("company_id", "=", cls.env.company.id)], limit=1)
        cls.provider = provider

    def _invoice(self, date_ref=None):
        """OCA's invoicing cron; the charge and mail jobs run inline."""
        self.env["contract.contract"].with_context(
            queue_job__no_delay=True).cron_recurring_create_invoice(date_ref=date_ref)

    def _invoices(self, instance):
        return self.env["account.move"].search(instance._billing_invoice_domain(),
                                               order="invoice_date, id")

    def test_paid_signup_pay_online_refusal_suspends_payment_reactivates(self):
        instance, _jobs = self._signup_tour("saas_billing_signup", "h7-pay")
        self.assertEqual(instance.state, "active", instance.log_ids.mapped("message"))
        today = fields.Date.context_today(instance)

        # the contract exists from the signup, billed from today (no trial)
        line = instance.contract_line_id
        self.assertEqual((line.contract_id.partner_id, line.date_start, line.price_unit),
                         (instance.partner_id, today, 49.0))

        # the invoicing cron posts the first invoice (no card yet: unpaid)
        self._invoice()
        first = self._invoices(instance)
        self.assertEqual((first.state, first.payment_state), ("posted", "not_paid"))

        # paid online, the card saved
        with self._browser():
            self.start_tour(f"/my/saas/{instance.id}", "saas_billing_pay_and_save",
                            login=LOGIN, timeout=120)
        self.assertIn(first.payment_state, ("paid", "in_payment"))
        token = instance._billing_payment_token(instance.partner_id)
        self.assertEqual((token.provider_id, token.payment_details), (self.provider, "4242"))

        # the next invoice is charged with it automatically
        second_date = line.recurring_next_date
        self._invoice(second_date)
        second = self._invoices(instance) - first
        self.assertEqual(second.invoice_date, second_date)
        self.assertIn(second.payment_state, ("paid", "in_payment"))
        self.assertEqual(second.transaction_ids.token_id, token)

        # the card is refused: unpaid, the customer mailed a pay link
        token.demo_simulated_state = "error"
        third_date = line.recurring_next_date
        self._invoice(third_date)
        third = self._invoices(instance) - first - second
        self.assertEqual((third.payment_state, third.transaction_ids.state), ("not_paid", "error"))
        self.assertTrue(self.env["mail.mail"].search(
            [("subject", "=", f"Payment of invoice {third.name} failed")]))

        # after the grace days: suspended
        grace = settings.get(self.env, "saas_billing_contract.grace_days")
        instance._cron_billing_dunning(
            date=third.invoice_date_due + timedelta(days=grace + 1))
        self.assertEqual((instance.state, instance.billing_suspended), ("suspended", "dunning"))
        self.assertEqual(instance._tenant_db().read_settings()["suspended"], "1")

        # paying it in the portal reactivates the tenant at once
        with self._browser():
            self.start_tour(f"/my/saas/{instance.id}", "saas_billing_pay_overdue",
                            login=LOGIN, timeout=120)
        self.assertIn(third.payment_state, ("paid", "in_payment"))
        self.assertEqual(instance.state, "active")
        self.assertEqual(instance._tenant_db().read_settings()["suspended"], "0")
        page = requests.get(f"{self.base_url()}/web/login", headers={"Host": instance._host()},
                            timeout=5)
        self.assertEqual(page.status_code, 200)
        self.assertIn('name="login"', page.text)

    def test_trial_cancelled_in_portal(self):
        user, partner = create_customer(self.env, "h7-trialist", "Trialist Co")
        instance = create_instance(
            self.env, "h7-trialist", partner, self.plan_small, name="Trialist",
            server_id=self.server.id, state="active",
            trial_end_date=fields.Date.context_today(partner) + timedelta(days=10))
        instance._subscribe()
        self.assertEqual(instance.contract_line_id.date_start,
                         instance.trial_end_date + timedelta(days=1), "billed after the trial")
        with self._browser():
            self.start_tour(f"/my/saas/{instance.id}", "saas_billing_cancel_trial",
                            login=user.login, timeout=60)
        self.assertTrue(instance.contract_line_id.is_canceled)
        self.assertEqual(instance.billing_service_end, instance.trial_end_date)
        self.assertTrue(instance.billing_can_resume)
        # another customer can neither see the confirmation nor cancel/resume
        other, _partner = create_customer(self.env, "h7-other", "Other Co")
        self.authenticate(other.login, other.login + "-pass-123")
        csrf = CSRF_RE.search(self.url_open("/saas/signup").text).group(1)
        self.assertEqual(self.url_open(f"/my/saas/{instance.id}/cancel").status_code, 404)
        for action in ("cancel", "resume"):
            response = self.url_open(f"/my/saas/{instance.id}/{action}",
                                     data={"csrf_token": csrf}, allow_redirects=False)
            self.assertEqual(response.status_code, 404, action)
        self.assertTrue(instance.contract_line_id.is_canceled)

    def test_plan_change_in_portal(self):
        """A customer of a real tenant sees its invoice on /my/saas, then
        changes its plan there: the prorated amount is shown before it is
        confirmed, and the new limits reach the tenant at once."""
        for name in ("04_my_saas_instance_billing", "05_plan_change_preview",
                     "06_plan_changed"):
            (SCREENSHOT_DIR / f"{name}.png").unlink(missing_ok=True)
        ScreenshotBrowser.taken = []
        user, partner = create_customer(self.env, "h7-plans", "Plans Co")
        instance = create_instance(self.env, "h7-plans", partner, self.plan_small,
                                   name="Plans Co", server_id=self.server.id)
        self.addCleanup(self._drop_tenant, "h7-plans")
        provision(instance, PASSWORD)
        invoice = invoice_current_month(instance)
        self.assertTrue(invoice)
        preview = instance._preview_plan_change(self.plan_big)
        self.assertTrue(preview["allowed"], preview)
        self.assertGreater(preview["charge"], preview["credit"])
        # the amount depends on the day the test runs: the tour is given the
        # model's figure, as the page formats it
        expected_net = formatLang(self.env, preview["net"], digits=2)
        with self._browser():
            self.start_tour(
                f"/my/saas/{instance.id}", "saas_billing_plan_change", login=user.login,
                timeout=120,
                code=f"sessionStorage.setItem('saas_expected_net', {expected_net!r}); "
                     "odoo.startTour('saas_billing_plan_change', {stepDelay: 0, "
                     "keepWatchBrowser: false, debug: false, "
                     f"startUrl: '/my/saas/{instance.id}', delayToCheckUndeterminisms: 0}})")
        instance.invalidate_recordset()
        self.assertEqual(instance.plan_id, self.plan_big)
        tenant = instance._tenant_db().read_settings()
        self.assertEqual(tenant["max_users"], "20", "limits reach the tenant at once")
        change = self.env["saas.plan.change"].search([("instance_id", "=", instance.id)])
        self.assertEqual((change.old_plan_id, change.new_plan_id),
                         (self.plan_small, self.plan_big), "the change the page lists")
        self.assertEqual({"04_my_saas_instance_billing", "05_plan_change_preview",
                          "06_plan_changed"} - set(ScreenshotBrowser.taken), set())
