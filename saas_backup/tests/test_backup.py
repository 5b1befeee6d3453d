import base64
import hashlib
import io
import json
import os

import psycopg2
import requests

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.saas_provisioning.tests.common import (
    create_instance,
    create_plan,
    create_test_server,
    provision,
    ready_template,
    run_jobs,
)
from odoo.addons.saas_provisioning.tests.hostile import drop_tenant

from .moto_server import MotoServer

PASSWORD = "Backup-tenant-pass-1"
ADMIN = "owner@backup.test"
# moto for the Odoo tests; tests/test_backup_lib.py takes the next port
MOTO_PORT = int(os.environ.get("SAAS_BACKUP_MOTO_PORT_ODOO", "8371"))
DEAD_PORT = 8379  # nothing listens there: "storage down"
BUCKET = "saas-tbk"


class TenantClient:
    """JSON-RPC to a tenant through the test server, by Host header."""

    def __init__(self, case, instance, login=ADMIN, password=PASSWORD):
        self.url, self.host = case.base_url(), instance._host()
        self.session = requests.Session()
        reply = self.session.post(self.url + "/web/session/authenticate", timeout=60, json={
            "jsonrpc": "2.0", "method": "call", "params": {
                "db": instance.database_name, "login": login, "password": password}},
            headers={"Host": self.host}).json()
        self.uid = (reply.get("result") or {}).get("uid")

    def call(self, model, method, *args, **kwargs):
        reply = self.session.post(self.url + "/web/dataset/call_kw", timeout=60, json={
            "jsonrpc": "2.0", "method": "call", "params": {
                "model": model, "method": method, "args": list(args), "kwargs": kwargs}},
            headers={"Host": self.host}).json()
        if "error" in reply:
            raise AssertionError(reply["error"]["data"]["message"])
        return reply["result"]


@tagged("post_install", "-at_install")
class TestBackup(HttpCase):
    """Backups of real tenants (provisioned from a real template) to moto's
    real S3 server; restores served by this test server, routed by host."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.moto = MotoServer(MOTO_PORT).start()
        cls.addClassCleanup(cls.moto.stop)
        cls.server = create_test_server(cls.env)
        cls.template = ready_template(cls.env, cls.server)
        cls.plan = create_plan(cls.env, cls.template, name="Backup plan")
        cls.customer = cls.env["res.partner"].create({"name": "Backup Customer", "email": ADMIN})
        cls.storage = cls.env["saas.backup.storage"].create({
            "name": "moto", "kind": "s3", "endpoint_url": cls.moto.endpoint,
            "region": "us-east-1", "bucket": BUCKET, "prefix": "tbk",
            "access_key": "testing", "secret_key": "testing", "sse": "AES256"})
        cls.s3 = cls.storage._storage()
        cls.s3.create_bucket()
        cls.env["ir.config_parameter"].set_param("saas_backup.storage_id", cls.storage.id)
        cls.pg = cls.server._pg_admin()
        cls.source = cls._new_instance("bk-source")
        provision(cls.source, PASSWORD)

    @classmethod
    def _new_instance(cls, subdomain):
        instance = create_instance(cls.env, subdomain, cls.customer, cls.plan,
                                   name=f"Company {subdomain}", admin_login=ADMIN,
                                   server_id=cls.server.id)
        cls.addClassCleanup(cls._drop, cls.server, instance.database_name)
        return instance

    @staticmethod
    def _drop(server, dbname):
        # this test server served the tenant: its pooled connections are
        # closed first (each would hold the drop up to 5 s)
        drop_tenant(server, dbname)

    def _backup(self, instance):
        with trap_jobs() as trap:
            instance.action_backup_now()
            run_jobs(trap)
        backup = self.env["saas.backup"].search([("instance_id", "=", instance.id)],
                                                order="id desc", limit=1)
        self.assertEqual(backup.state, "done", backup.message or backup.log_ids.mapped("message"))
        return backup

    def _object_sha(self, backup):
        out = io.BytesIO()
        self.s3.client.download_fileobj(BUCKET, f"tbk/{backup.key}", out)
        return hashlib.sha256(out.getvalue()).hexdigest()

    def test_backup_lands_and_restores_into_a_new_instance(self):
        tenant = TenantClient(self, self.source)
        self.assertTrue(tenant.uid)
        partner_ids = [tenant.call("res.partner", "create", {"name": f"Client {i}"})
                       for i in range(5)]
        content = os.urandom(20000)
        tenant.call("ir.attachment", "create", {
            "name": "contract.bin", "datas": base64.b64encode(content).decode(),
            "res_model": "res.partner", "res_id": partner_ids[0]})
        partners = tenant.call("res.partner", "search_count", [])

        backup = self._backup(self.source)
        # landed, with the checksum of the bytes stored, in Odoo's restore format
        self.assertEqual(self._object_sha(backup), backup.sha256)
        self.assertIn(backup.key, self.s3.list(""))
        head = self.s3.client.head_object(Bucket=BUCKET, Key=f"tbk/{backup.key}")
        self.assertEqual(head["ContentLength"], backup.size_bytes)
        manifest = json.loads(backup.manifest)
        self.assertIn("base", manifest["modules"])
        conn = psycopg2.connect(**self.server._connection_params(self.source.database_name))
        try:
            with conn.cursor() as cr:
                cr.execute("SELECT count(*) FROM res_partner")
                partner_rows = cr.fetchone()[0]
        finally:
            conn.close()
        self.assertEqual(manifest["saas_backup"]["tables"]["public.res_partner"], partner_rows)
        self.assertGreaterEqual(backup.filestore_files, 1)
        self.assertEqual(self.source.backup_health, "normal")
        self.assertEqual(self.source.last_backup_id, backup)
        self.assertEqual(set(backup.log_ids.mapped("step")), {"dump", "upload"})

        # restore into a new instance: a neutralised copy owned by its own role
        with trap_jobs() as trap:
            copy = self.env["saas.instance"]._restore_copy(backup, "bk-copy")
            self.addCleanup(self._drop, self.server, copy.database_name)
            self.assertEqual(copy.state, "draft")
            run_jobs(trap)
        self.assertEqual(copy.state, "active", copy.log_ids.mapped("message"))
        self.assertEqual(self.pg.database_owner(copy.database_name), copy.database_name)
        restored = TenantClient(self, copy)
        self.assertTrue(restored.uid, "the copy's admin logs in with the source's password")
        self.assertEqual(restored.call("res.partner", "search_count", []), partners)
        attachment = restored.call("ir.attachment", "search_read",
                                   [("name", "=", "contract.bin")], ["datas"])
        self.assertEqual(base64.b64decode(attachment[0]["datas"]), content)
        self.assertEqual(restored.call("ir.cron", "search_count", [("active", "=", True)]), 1,
                         "neutralised: only Odoo's autovacuum cron stays active")
        conn = psycopg2.connect(**self.server._connection_params(copy.database_name))
        try:
            with conn.cursor() as cr:
                cr.execute("SELECT key, value FROM ir_config_parameter WHERE key IN "
                           "('database.is_neutralized', 'database.uuid')")
                params = dict(cr.fetchall())
                cr.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n "
                           "ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
                           "AND pg_get_userbyid(c.relowner) <> %s", [copy.database_name])
                foreign = cr.fetchone()[0]
        finally:
            conn.close()
        self.assertEqual(params["database.is_neutralized"], "true")
        self.assertNotEqual(params["database.uuid"],
                            self.source._tenant_db().config_parameter("database.uuid"))
        self.assertEqual(foreign, 0, "every restored object belongs to the copy's role")

        # the customer downloads it from /my/saas through a short-lived link
        new_test_user(self.env, login="bk-portal", password="bk-portal-pass1",
                      groups="base.group_portal", partner_id=self.customer.id)
        new_test_user(self.env, login="bk-other", password="bk-other-pass1",
                      groups="base.group_portal")
        url = f"/my/saas/{self.source.id}/backup/{backup.id}/download"
        self.authenticate("bk-portal", "bk-portal-pass1")
        page = self.url_open(f"/my/saas/{self.source.id}")
        self.assertIn(url, page.text)
        reply = self.url_open(url, allow_redirects=False)
        self.assertEqual(reply.status_code, 303)
        link = reply.headers["Location"]
        self.assertTrue(link.startswith(self.moto.endpoint) and "X-Amz-Expires=300" in link)
        self.assertEqual(hashlib.sha256(requests.get(link, timeout=30).content).hexdigest(),
                         backup.sha256)
        self.authenticate("bk-other", "bk-other-pass1")
        self.assertEqual(self.url_open(url, allow_redirects=False).status_code, 404)

    def test_drill_passes_then_catches_a_corrupted_object(self):
        backup = self._backup(self.source)
        with trap_jobs() as trap:
            self.env["saas.backup"]._cron_drill(sample=5)
            trap.assert_jobs_count(1, only=backup._job_drill)
            run_jobs(trap)
        self.assertEqual(backup.drill_state, "passed", backup.drill_message)
        self.assertFalse(self.pg.exists(backup._drill_db_name()), "scratch database dropped")
        self.assertEqual(self.source.backup_health, "normal")
        # a flipped byte in storage
        raw = bytearray(self.s3.client.get_object(Bucket=BUCKET, Key=f"tbk/{backup.key}")
                        ["Body"].read())
        raw[len(raw) // 2] ^= 0xFF
        self.s3.client.put_object(Bucket=BUCKET, Key=f"tbk/{backup.key}", Body=bytes(raw))
        backup._job_drill()
        self.assertEqual(backup.drill_state, "failed")
        self.assertIn("corrupted", backup.drill_message)
        self.assertEqual(self.source.backup_health, "danger")
        self.assertIn("Restore drill failed", self.source.message_ids[0].body)

    def test_storage_down_retried_then_failed_nothing_listed(self):
        dead = self.storage.copy({"name": "down", "endpoint_url": f"http://127.0.0.1:{DEAD_PORT}"})
        self.env["ir.config_parameter"].set_param("saas_backup.storage_id", dead.id)
        before = self.s3.list("")
        backup = self.source._create_backup("manual")
        for _attempt in range(2):
            # not assertRaises: it would roll back the attempt's log, which a
            # real job commits apart (it counts the attempts)
            try:
                backup._job_run()
            except RetryableJobError:
                pass
            else:
                self.fail("a storage that is down is retried")
            self.assertEqual(backup.state, "pending")
        message = backup._job_run()
        self.assertEqual(backup.state, "failed")
        self.assertIn("Upload failed", message)
        self.assertIn("after 3 attempts", backup.message)
        self.assertIn(f"127.0.0.1:{DEAD_PORT}", backup.message)
        self.assertEqual(backup._attempts(), 2, "two retries logged, the third failed it")
        self.assertNotIn(backup, self.source.backup_ids.filtered(lambda b: b.state == "done"))
        self.assertEqual(self.s3.list(""), before)
        self.assertIn("Backup failed after 3 attempts", self.source.message_ids[0].body)

    def test_schedule_retention_and_terminate_guard(self):
        instance = create_instance(self.env, "bk-guard", self.customer, self.plan,
                                   name="Guarded", server_id=self.server.id, state="active")
        with trap_jobs() as trap:
            queued = self.env["saas.instance"]._cron_backup_schedule()
            self.assertIn(instance, queued)
            self.assertIn(self.source, queued)
            again = self.env["saas.instance"]._cron_backup_schedule()
            self.assertNotIn(instance, again, "a pending backup is not queued twice")
        self.assertEqual(instance.backup_health, "danger", "configured, never backed up")
        with self.assertRaisesRegex(UserError, "no backup of the last 24 hours"):
            instance.action_terminate()
        user = new_test_user(self.env, login="bk-user", groups="saas_base.group_saas_user")
        with self.assertRaises(AccessError):
            instance.with_user(user).action_terminate_forced()
        with trap_jobs() as trap:
            instance.action_terminate_forced()
            trap.assert_jobs_count(1, only=instance._job_terminate)
        # retention prunes from storage what it does not keep
        backups = self.env["saas.backup"]
        for _i in range(3):
            backups |= self._backup(self.source)
        self.env["ir.config_parameter"].set_param("saas_backup.keep_latest", 1)
        for key in ("daily", "weekly", "monthly"):
            self.env["ir.config_parameter"].set_param(f"saas_backup.keep_{key}", 0)
        self.source._prune_backups()
        self.assertEqual(backups.mapped("state").count("done"), 1)
        kept = backups.filtered(lambda b: b.state == "done")
        listed = set(self.s3.list(self.source.database_name))
        self.assertIn(kept.key, listed)
        self.assertFalse(set((backups - kept).mapped("key")) & listed, "pruned from storage")
        with self.assertRaises(AccessError):
            kept.with_user(user).action_download()
        self.assertIn("X-Amz-Signature", kept.action_download()["url"])

    def test_restore_in_place_after_a_safety_backup(self):
        backup = self._backup(self.source)
        tenant = TenantClient(self, self.source)
        tenant.call("res.partner", "create", {"name": "Made after the backup"})
        wizard = self.env["saas.backup.restore"].create({
            "backup_id": backup.id, "mode": "in_place", "confirmation": "wrong"})
        with self.assertRaisesRegex(UserError, "Type the subdomain"):
            wizard.action_restore()
        wizard.confirmation = self.source.subdomain
        with trap_jobs() as trap:
            wizard.action_restore()
            trap.assert_jobs_count(1, only=self.source._job_restore_in_place)
            run_jobs(trap)
        safety = self.source.backup_ids.filtered(lambda b: b.kind == "safety")
        self.assertEqual(safety.state, "done", "the data it replaced is kept first")
        self.assertEqual(self.pg.database_owner(self.source.database_name),
                         self.source.database_name)
        self.assertFalse(self.pg.exists(self.source._restore_scratch_name()))
        after = TenantClient(self, self.source)
        self.assertTrue(after.uid)
        self.assertFalse(after.call("res.partner", "search_count",
                                    [("name", "=", "Made after the backup")]))
        self.assertEqual(self.source._tenant_db().read_settings()["suspended"], "0")
        self.assertEqual(self.source.state, "active")
