import base64
import os

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.saas_tenant import limits

from .common import master_clear, master_write

PLANS = '[{"name": "Starter", "max_storage_mb": 1}, {"name": "Business", "max_storage_mb": 50}]'


@tagged("post_install", "-at_install")
class TestStorageQuota(TransactionCase):
    """Attachments beyond the plan's storage (the master's measure plus what
    was stored since) are refused before anything is written."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        master_clear(cls.env.cr)
        cls.admin = cls.env.ref("base.user_admin")
        cls.Attachment = cls.env["ir.attachment"].with_user(cls.admin)

    def _measure(self, used_mb, limit_mb=1):
        master_write(self.env.cr, max_storage_mb=limit_mb, storage_used_mb=used_mb,
                     storage_plans=PLANS, storage_measured_at="2000-01-01 00:00:00")
        self.env.cr.execute("SELECT now() AT TIME ZONE 'UTC'")
        master_write(self.env.cr, storage_measured_at=str(self.env.cr.fetchone()[0])[:19])

    def test_upload_over_quota_refused_nothing_written(self):
        self._measure(0.5)
        content = os.urandom(600 * 1024)  # 0.5 + 0.59 MB > 1 MB
        path = self.Attachment._full_path(self.Attachment._compute_checksum(content))
        count = self.Attachment.search_count([])
        with self.assertRaises(ValidationError) as caught:
            self.Attachment.create({"name": "big.bin", "raw": content})
        message = caught.exception.args[0]
        self.assertIn("your plan allows 1 MB", message)
        self.assertIn("Business plan", message, "the plan that would fit is named")
        self.assertEqual(self.Attachment.search_count([]), count, "no row")
        self.assertFalse(os.path.exists(path), "no file in the filestore")
        # base64 "datas" are counted the same way
        with self.assertRaises(ValidationError):
            self.Attachment.create({"name": "big.bin", "datas": base64.b64encode(content)})

    def test_uploads_since_the_measure_count(self):
        self._measure(0.5)
        first = self.Attachment.create({"name": "a.bin", "raw": os.urandom(300 * 1024)})
        self.assertTrue(first.file_size)
        # the master has not measured again: 0.5 + 0.29 + 0.29 > 1
        with self.assertRaisesRegex(ValidationError, "Storage limit reached"):
            self.Attachment.create({"name": "b.bin", "raw": os.urandom(300 * 1024)})
        # replacing a file by a bigger one is checked too
        with self.assertRaises(ValidationError):
            first.write({"raw": os.urandom(900 * 1024)})
        # a smaller file fits
        self.Attachment.create({"name": "c.bin", "raw": os.urandom(100 * 1024)})

    def test_no_limit_and_assets(self):
        master_write(self.env.cr, max_storage_mb=0, storage_used_mb=5000)
        self.Attachment.create({"name": "free.bin", "raw": os.urandom(2048)})
        self._measure(5.0)
        with self.assertRaises(ValidationError):
            self.Attachment.create({"name": "over.bin", "raw": b"x" * 2048})
        # the web client's bundles are never refused
        self.env["ir.attachment"].create({
            "name": "web.assets_x.min.js", "raw": b"x" * 2048, "res_model": "ir.ui.view",
            "url": "/web/assets/1/web.assets_x.min.js", "public": True})
        # a file merely labelled as a view is no bundle
        with self.assertRaises(ValidationError):
            self.env["ir.attachment"].create({
                "name": "disguised.bin", "raw": b"x" * 2048, "res_model": "ir.ui.view"})

    def test_banner_at_90_percent(self):
        self._measure(0.85)
        self.assertIsNone(self.Attachment._saas_storage_warning())
        self._measure(0.92)
        warning = self.Attachment._saas_storage_warning()
        self.assertIn("of the 1 MB its plan allows (92 %)", warning)
        self.assertIn("Business plan", warning)

    def test_rules_plain(self):
        settings = {"max_storage_mb": "10", "storage_plans": PLANS}
        self.assertIsNone(limits.storage_refusal(settings, 9.0, 2**19))
        self.assertIn("Business", limits.storage_refusal(settings, 9.8, 2**20))
        self.assertIsNone(limits.storage_refusal({"max_storage_mb": "0"}, 1e6, 2**30))
        self.assertEqual(limits.fitting_plan(settings, 0.5), "Starter")
        self.assertEqual(limits.fitting_plan(settings, 20), "Business")
        self.assertIsNone(limits.fitting_plan(settings, 99))
        self.assertEqual(limits.fitting_plan(
            {"storage_plans": '[{"name": "Unlimited", "max_storage_mb": 0}]'}, 99), "Unlimited")
        self.assertIsNone(limits.fitting_plan({"storage_plans": "{oops"}, 1))
        self.assertIsNone(limits.storage_warning(settings, 8.9))
        self.assertTrue(limits.storage_warning(settings, 9.0))


@tagged("post_install", "-at_install")
class TestStorageBanner(HttpCase):
    def test_session_info_carries_the_banner(self):
        master_clear(self.env.cr)
        master_write(self.env.cr, max_storage_mb=10, storage_used_mb=9.4)
        self.authenticate("admin", "admin")
        info = self.make_jsonrpc_request("/web/session/get_session_info")
        self.assertIn("uses 9 MB of the 10 MB its plan allows (94 %)",
                      info["saas_storage_warning"])
        master_write(self.env.cr, storage_used_mb=1)
        info = self.make_jsonrpc_request("/web/session/get_session_info")
        self.assertFalse(info["saas_storage_warning"])
