"""What the customer-path browser tests share (no TestCase here: a test
module that imports a TestCase runs it twice): Debian's chromium with
screenshots and page signals, a stand-in job runner, and a mixin with the
browser context and a tenant's clean-up.  saas_sso and saas_billing_contract
use it too."""
import base64
import logging
import os
import re
import shutil
import threading
import time
import unittest
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.tests.common import ChromeBrowser
from odoo.tools import config

from odoo.addons.queue_job.controllers.main import RunJobController
from odoo.addons.queue_job.job import Job

_logger = logging.getLogger(__name__)

SCREENSHOT_DIR = Path(os.environ.get("SAAS_SCREENSHOT_DIR") or (
    Path(__file__).resolve().parents[2] / ".run" / "test-logs" / "screenshots"))


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


class BrowserMixin:
    """For HttpCase classes of the portal (SaasPortalCase): the browser
    context, and a tenant dropped with its files."""

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

    def _signup_tour(self, tour, subdomain):
        """Run the sign-up ``tour`` with our job runner (started when the
        page signals ``start_jobs``); the tenant at ``subdomain`` is dropped
        at clean-up.  Returns (the instance, the runner's count of jobs run)."""
        self.addCleanup(self._drop_tenant, subdomain)
        pump = JobPump(self.registry)
        pump.start()
        ScreenshotBrowser.signals = {"start_jobs": pump.gate.set}
        try:
            with self._browser():
                self.start_tour("/saas/signup", tour, timeout=180)
        finally:
            pump.stop()
        return self.env["saas.instance"].search([("subdomain", "=", subdomain)]), pump.done
