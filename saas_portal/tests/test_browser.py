import base64
import json
import logging
import os
import re
import shutil
import threading
import unittest
from contextlib import contextmanager
import time
from pathlib import Path
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser
from odoo.tools import config, formatLang

from odoo.addons.queue_job.controllers.main import RunJobController
from odoo.addons.queue_job.job import Job

from .common import SaasPortalCase

_logger = logging.getLogger(__name__)

SCREENSHOT_DIR = Path(os.environ.get("SAAS_SCREENSHOT_DIR") or (
    Path(__file__).resolve().parents[2] / ".run" / "test-logs" / "screenshots"))
TOUR_LOGIN, TOUR_PASSWORD = "tour@h7.test", "Tour-pass-2026"


def require_browser():
    """A skipped browser test must not pass for a green one: Odoo skips
    them silently without chromium or websocket-client."""
    if not shutil.which("chromium") and not shutil.which("chromium-browser"):
        raise AssertionError("chromium is not installed: browser tests cannot run")
    try:
        import websocket  # noqa: F401,PLC0415
    except ImportError as exc:
        raise AssertionError("websocket-client is missing: Odoo would skip "
                             "every browser test") from exc


class ScreenshotBrowser(ChromeBrowser):
    """Odoo's test browser, plus: a page that logs ``saas_screenshot:<name>``
    gets a PNG saved as SCREENSHOT_DIR/<name>.png."""

    taken = []
    # "saas_signal:<name>" logged by a page calls signals[name]()
    signals = {}

    def _handle_request_paused(self, **params):
        # Odoo's test browser answers 404 for every host but 127.0.0.1; the
        # tenants of this test server live at <sub>.localhost:<port>.
        url = params["request"]["url"]
        if re.match(rf"^https?://h7-[a-z0-9-]+\.localhost:{config['http_port']}/", url):
            self._websocket_send("Fetch.continueRequest",
                                 params={"requestId": params["requestId"]})
            return None
        return super()._handle_request_paused(**params)

    def _handle_console(self, type, args=None, stackTrace=None, **kw):  # noqa: A002
        first = (args or [{}])[0]
        value = first.get("value") if isinstance(first, dict) else None
        if isinstance(value, str) and value.startswith("saas_signal:"):
            callback = self.signals.get(value.split(":", 1)[1])
            if callback:
                callback()
            return None
        if isinstance(value, str) and value.startswith("saas_screenshot:"):
            name = value.split(":", 1)[1]
            future = self._websocket_send("Page.captureScreenshot", with_future=True)

            def save(done, name=name):
                try:
                    data = done.result(timeout=0)["data"]
                except Exception as exc:  # noqa: BLE001
                    _logger.warning("screenshot %s failed: %s", name, exc)
                    return
                SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
                (SCREENSHOT_DIR / f"{name}.png").write_bytes(base64.b64decode(data))
                ScreenshotBrowser.taken.append(name)

            future.add_done_callback(save)
            return None
        return super()._handle_console(type, args, stackTrace, **kw)


class JobPump(threading.Thread):
    """A stand-in for queue_job's runner inside the test server: HttpCase
    never commits, so the real runner (another process's view of the
    database) cannot see the jobs.  Runs pending jobs one at a time through
    queue_job's own RunJobController._runjob, on a test cursor."""

    def __init__(self, registry):
        super().__init__(daemon=True)
        self.registry = registry
        self.halt = threading.Event()
        # closed until the page under test says it watches (saas_signal)
        self.gate = threading.Event()
        self.done = 0

    def run(self):
        while not self.halt.is_set():
            if not self.gate.wait(0.1):
                continue
            ran = False
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    record = env["queue.job"].search([
                        ("state", "=", "pending"), "|", ("eta", "=", False),
                        ("eta", "<=", fields.Datetime.now())], order="priority, id", limit=1)
                    if record:
                        job = Job.load(env, record.uuid)
                        job.set_started()
                        job.store()
                        RunJobController._runjob(env, job)
                        self.done += 1
                        ran = True
            except Exception:  # noqa: BLE001
                _logger.exception("job pump")
            if not ran:
                time.sleep(0.1)

    def stop(self):
        self.halt.set()
        self.join(60)


@tagged("post_install", "-at_install")
class TestBrowserSignup(SaasPortalCase):
    """The customer's whole path in Debian's chromium: sign up, watch the
    progress page, land logged in inside the new tenant, then /my/saas
    (usage bars, invoices) and a plan change."""

    real_template = True
    SCREENSHOTS = {"01_signup_form", "02_progress_started", "03_progress_ready",
                   "04_my_saas_instance", "05_plan_change_preview", "06_plan_changed",
                   "07_tenant_backend"}

    @classmethod
    def setUpClass(cls):
        require_browser()
        super().setUpClass()
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def _drop_tenant(self, subdomain):
        """Drop the database of the instance at ``subdomain`` (its name is
        opaque: known once the sign-up made the instance)."""
        instances = self.env["saas.instance"].with_context(active_test=False).search(
            [("subdomain", "=", subdomain)])
        for dbname in instances.mapped("database_name"):
            self.pg.drop(dbname)
            self.server._filestore().remove(dbname)

    @contextmanager
    def _browser(self):
        """Our browser class, and a skip (Odoo skips browser tests when it
        cannot start chromium) turned into a failure."""
        with patch("odoo.tests.common.ChromeBrowser", ScreenshotBrowser):
            try:
                yield
            except unittest.SkipTest as exc:
                self.fail(f"browser test skipped: {exc}")

    def test_signup_to_tenant_and_portal(self):
        ScreenshotBrowser.taken = []
        for name in self.SCREENSHOTS:
            (SCREENSHOT_DIR / f"{name}.png").unlink(missing_ok=True)
        self.addCleanup(self._drop_tenant, "h7-tour")
        pump = JobPump(self.registry)
        pump.start()
        ScreenshotBrowser.signals = {"start_jobs": pump.gate.set}
        try:
            with self._browser():
                self.start_tour("/saas/signup", "saas_portal_signup", timeout=180)
        finally:
            pump.stop()
        instance = self.env["saas.instance"].search([("subdomain", "=", "h7-tour")])
        self.assertEqual(len(instance), 1)
        self.assertEqual(instance.state, "active", instance.log_ids.mapped("message"))
        self.assertEqual(set(instance.log_ids.mapped("step")),
                         {"clone", "role", "filestore", "customise", "verify"})
        self.assertGreaterEqual(pump.done, 2)  # the pipeline job, the notification
        user = self.env["res.users"].search([("login", "=", TOUR_LOGIN)])
        self.assertTrue(user.has_group("base.group_portal"))

        # The progress page, left to itself (no data-no-redirect), opens the
        # instance as soon as its status says ready: its open form posts to
        # /my/saas/<id>/open, whose page posts the token to the tenant, which
        # shows its backend logged in as the customer.  A page that never
        # learns of readiness stays on the master and the ready check below
        # times out.
        tenant_shown = """(() => location.host.startsWith('h7-tour.')
            && !!document.querySelector('.o_main_navbar'))()"""

        # "Open": the button of /my/saas/<id> posts to /my/saas/<id>/open,
        # whose page posts the token to the tenant: the tenant's backend,
        # logged in as the customer, in the tenant's own database.  The
        # "ready" code presses the button (in this tab) once, then waits for
        # the tenant's backend, where the check runs.
        press_open = """(() => {
            if (location.host.startsWith('h7-tour.')) {
                return !!document.querySelector('.o_main_navbar');
            }
            const form = document.querySelector('form.o_saas_open_form');
            if (form && document.readyState === 'complete' && !window.saasOpenPressed) {
                window.saasOpenPressed = true;
                form.removeAttribute('target');
                // after this evaluation has returned: the page then navigates
                setTimeout(() => form.querySelector('button.o_saas_open').click(), 50);
            }
            return false;
        })()"""
        tenant_check = f"""
            (async () => {{
                for (let i = 0; i < 200; i++) {{
                    if (document.querySelector('.o_main_navbar')
                        && location.host.startsWith('h7-tour.')) break;
                    await new Promise(r => setTimeout(r, 100));
                }}
                const response = await fetch('/web/session/get_session_info', {{
                    method: 'POST', headers: {{'Content-Type': 'application/json'}},
                    body: JSON.stringify({{jsonrpc: '2.0', method: 'call', params: {{}}}})}});
                const info = (await response.json()).result || {{}};
                if (!document.querySelector('.o_main_navbar')) {{
                    console.error('saas_portal: no backend navbar on ' + location.href);
                }} else if (info.db !== '{instance.database_name}' || !info.uid
                           || info.username !== '{TOUR_LOGIN}') {{
                    console.error('saas_portal: not logged in as the customer: ' + JSON.stringify(
                        {{db: info.db, username: info.username, uid: info.uid}}));
                }} else {{
                    console.log('saas_screenshot:07_tenant_backend');
                    await new Promise(r => setTimeout(r, 800));
                    console.log('test successful');
                }}
            }})()
        """
        with self._browser():
            self.browser_js(f"/saas/progress/{instance.id}", tenant_check, ready=tenant_shown,
                            login=TOUR_LOGIN, timeout=120,
                            error_checker=lambda message: "saas_portal" in message)
        self.assertEqual(ScreenshotBrowser.taken.count("07_tenant_backend"), 1,
                         "the progress page did not open the tenant's backend logged in")
        with self._browser():
            self.browser_js(f"/my/saas/{instance.id}", tenant_check, ready=press_open,
                            login=TOUR_LOGIN, timeout=120,
                            error_checker=lambda message: "saas_portal" in message)

        # What /my/saas shows: measured usage, an invoice, then a plan change
        # whose prorated amount is shown before it is confirmed.
        instance.env["saas.instance"]._cron_usage_sweep()
        self.assertEqual(instance.user_count, 1)
        invoice = self._invoice_current_month(instance)
        preview = instance._preview_plan_change(self.plan_big)
        self.assertTrue(preview["allowed"], preview)
        self.assertGreater(preview["charge"], preview["credit"])
        # the amount depends on the day the test runs: the tour is given the
        # model's figure, as the page formats it
        expected_net = formatLang(self.env, preview["net"], digits=2)
        options = {"stepDelay": 0, "keepWatchBrowser": False, "debug": False,
                   "startUrl": "/my/home", "delayToCheckUndeterminisms": 0}
        with self._browser():
            self.start_tour(
                "/my/home", "saas_portal_my", login=TOUR_LOGIN, timeout=120,
                code=f"sessionStorage.setItem('saas_expected_net', {json.dumps(expected_net)}); "
                     f"odoo.startTour('saas_portal_my', {json.dumps(options)})")
        instance.invalidate_recordset()
        self.assertEqual(instance.plan_id, self.plan_big)
        settings = instance._tenant_db().read_settings()
        self.assertEqual(settings["max_users"], "20", "limits reach the tenant at once")
        self.assertTrue(invoice)

        # saved by this run (the files of an earlier run were removed first)
        self.assertEqual(self.SCREENSHOTS - set(ScreenshotBrowser.taken), set())
        for name in self.SCREENSHOTS:
            path = SCREENSHOT_DIR / f"{name}.png"
            self.assertTrue(path.exists() and path.stat().st_size > 5000, path)
