from odoo.tests import tagged

from .browser import SCREENSHOT_DIR, BrowserMixin, ScreenshotBrowser, require_browser
from .common import SaasPortalCase

TOUR_LOGIN = "tour@h7.test"


@tagged("post_install", "-at_install")
class TestBrowserSignup(BrowserMixin, SaasPortalCase):
    """The customer's path in Debian's chromium: sign up, watch the progress
    page, then /my/saas (the list, the instance's usage bars and health).
    Opening the tenant signed in is saas_sso's test, invoices and a plan
    change saas_billing_contract's."""

    real_template = True
    SCREENSHOTS = {"01_signup_form", "02_progress_started", "03_progress_ready",
                   "04_my_saas_instance"}

    @classmethod
    def setUpClass(cls):
        require_browser()
        super().setUpClass()
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def test_signup_to_tenant_and_portal(self):
        ScreenshotBrowser.taken = []
        for name in self.SCREENSHOTS:
            (SCREENSHOT_DIR / f"{name}.png").unlink(missing_ok=True)
        instance, jobs = self._signup_tour("saas_portal_signup", "h7-tour")
        self.assertEqual(len(instance), 1)
        self.assertEqual(instance.state, "active", instance.log_ids.mapped("message"))
        self.assertEqual(set(instance.log_ids.mapped("step")),
                         {"clone", "role", "filestore", "customise", "verify"})
        self.assertGreaterEqual(jobs, 2)  # the pipeline job, the notification
        user = self.env["res.users"].search([("login", "=", TOUR_LOGIN)])
        self.assertTrue(user.has_group("base.group_portal"))

        # What /my/saas shows: the instance, its measured usage and health
        instance.env["saas.instance"]._cron_usage_sweep()
        self.assertEqual(instance.user_count, 1)
        with self._browser():
            self.start_tour("/my/home", "saas_portal_my", login=TOUR_LOGIN, timeout=120)

        # saved by this run (the files of an earlier run were removed first)
        self.assertEqual(self.SCREENSHOTS - set(ScreenshotBrowser.taken), set())
        for name in self.SCREENSHOTS:
            path = SCREENSHOT_DIR / f"{name}.png"
            self.assertTrue(path.exists() and path.stat().st_size > 5000, path)
