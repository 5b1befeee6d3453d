"""The customer's page of an instance, in chromium: uptime, response-time,
storage and users graphs, and the last verified restore, with figures the
test computes from the records it made."""
import json
import re
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools.misc import format_date

from odoo.addons.saas_portal.tests.browser import BrowserMixin, require_browser
from odoo.addons.saas_portal.tests.common import SaasPortalCase
from odoo.addons.saas_provisioning.tests.common import create_customer, create_instance

# what the tour asserts (saas_backup/static/tests/tours/saas_health_tours.js);
# the test computes each from the records and checks it equals these
TOUR_UPTIME = "98.26 %"
TOUR_RESPONSE_POINTS = "142"  # 71 hours with an answer (one all failed), 2 series
TOUR_USERS_MAX = "6"
TOUR_RESTORE_SECONDS = "12"
TOUR_ROWS, TOUR_TABLES, TOUR_FILES = "1234", "3", "7"


@tagged("post_install", "-at_install")
class TestHealthPage(BrowserMixin, SaasPortalCase):

    @classmethod
    def setUpClass(cls):
        require_browser()
        super().setUpClass()

    def _fixture(self):
        user, partner = create_customer(self.env, "h7-health", "Health Co")
        instance = create_instance(self.env, "h7-health", partner, self.plan_small,
                                   name="Health Co", server_id=self.server.id, state="active")
        now = fields.Datetime.now()
        hour = now.replace(minute=0, second=0, microsecond=0)
        Uptime = self.env["saas.instance.uptime"]
        rows = []
        for k in range(1, 73):  # the last 72 hours, 12 probes each
            failures = {5: 3, 30: 12}.get(k, 0)
            answered = 12 - failures
            rows.append({"instance_id": instance.id, "hour": hour - timedelta(hours=k),
                         "probes": 12, "failures": failures,
                         "total_ms": answered * (40.0 + k), "max_ms": answered and 90.0 + k})
        # 40 days ago: outside the 30 days, it must not count
        rows.append({"instance_id": instance.id, "hour": hour - timedelta(days=40),
                     "probes": 12, "failures": 12, "total_ms": 0, "max_ms": 0})
        Uptime.create(rows)
        Usage = self.env["saas.instance.usage"]
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        for d in range(1, 6):  # 5 days, two sweeps a day, at 10:00 and 14:00 UTC
            for h, bump in ((10, 0), (14, 1)):
                Usage.create({"instance_id": instance.id,
                              "date": day - timedelta(days=6 - d, hours=-h),
                              "user_count": d + bump, "db_size_mb": 20.0 + d,
                              "filestore_size_mb": 1.5 * d})
        storage = self.env["saas.backup.storage"].create({"name": "Health", "kind": "local"})
        manifest = {"saas_backup": {"tables": {"res_partner": 1000, "res_users": 200,
                                               "ir_attachment": 34},
                                    "filestore_files": 7}}
        done_at = now - timedelta(days=2, hours=3)
        backup = self.env["saas.backup"].create({
            "instance_id": instance.id, "storage_id": storage.id,
            "database_name": instance.database_name, "state": "done", "done_at": done_at,
            "manifest": json.dumps(manifest), "drill_state": "passed",
            "drill_date": now - timedelta(days=1), "drill_message": "Restored"})
        self.env["saas.instance.log"].create({
            "instance_id": instance.id, "operation": "backup", "step": "drill",
            "result": "done", "duration_ms": 12400, "backup_id": backup.id})
        instance.sudo().write({"last_backup_id": backup.id, "last_backup_at": done_at})
        return user, instance, backup

    def test_health_page(self):
        user, instance, backup = self._fixture()
        # the figures, from the records (independently of _health_values)
        rows = instance.uptime_ids.filtered(
            lambda r: r.hour >= fields.Datetime.now() - timedelta(days=30))
        probes, failures = sum(rows.mapped("probes")), sum(rows.mapped("failures"))
        self.assertEqual(f"{100.0 * (probes - failures) / probes:.2f} %", TOUR_UPTIME)
        health = instance._health_values()
        self.assertEqual((health["probes"], health["failures"]), (probes, failures))
        self.assertIn(f'data-points="{TOUR_RESPONSE_POINTS}"', health["response_chart"])
        self.assertEqual(str(max(instance.usage_ids.mapped("user_count"))), TOUR_USERS_MAX)
        restore = health["protection"]["restore"]
        self.assertEqual((str(restore["seconds"]), str(restore["rows"]), str(restore["tables"]),
                          str(restore["files"])),
                         (TOUR_RESTORE_SECONDS, TOUR_ROWS, TOUR_TABLES, TOUR_FILES))
        self.assertEqual(len(health["storage_chart"].split("<circle")) - 1, 5)  # one per day

        with self._browser():
            self.start_tour(f"/my/saas/{instance.id}", "saas_health_page",
                            login=user.login, timeout=60)

        # the date, as the customer reads it
        self.authenticate(user.login, user.login + "-pass-123")
        page = self.url_open(f"/my/saas/{instance.id}").text
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
        drill_day = format_date(instance.with_user(user).env, backup.drill_date)
        self.assertIn(f"Your data was last restored and checked on {drill_day} in "
                      f"{TOUR_RESTORE_SECONDS} s", text)
        self.assertIn(f"{TOUR_ROWS} rows in {TOUR_TABLES} tables", text)

        # another customer sees nothing of it
        other, _partner = create_customer(self.env, "h7-health-other", "Other Health Co")
        self.authenticate(other.login, other.login + "-pass-123")
        response = self.url_open(f"/my/saas/{instance.id}")
        self.assertNotIn("o_saas_health", response.text)
