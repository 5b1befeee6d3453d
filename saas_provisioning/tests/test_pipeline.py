import json
from unittest.mock import patch
from datetime import timedelta

import psycopg2
import requests

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.saas_router.routing import is_routable, new_tenant_db_name, tenant_db_prefix

from ..adapters.tenant_db import verify_password
from .common import (
    create_instance,
    create_plan,
    create_template,
    create_test_server,
    master_sql,
    run_jobs,
)

PASSWORD = "S3cret-tenant-pass"


@tagged("post_install", "-at_install")
class TestPipeline(HttpCase):
    """The provisioning pipeline against real parts: PostgreSQL clones of a
    template built by a real `odoo -i`, the filestore, and the tenant served
    over HTTP by this test server (routed by host name)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = create_test_server(cls.env)
        cls.template = create_template(cls.env, cls.server, name="Tiny")
        # a real build (the other addons' tests share one: see common.py)
        with trap_jobs() as trap:
            cls.template.action_build()
            run_jobs(trap)
        assert cls.template.state == "ready", cls.template.message_ids[:1].body
        cls.plan = create_plan(cls.env, cls.template, max_users=2, max_storage_mb=100)
        cls.customer = cls.env["res.partner"].create({
            "name": "Tenant Customer", "email": "owner@customer.test"})
        cls.pg = cls.server._pg_admin()
        cls.pg_prefix = tenant_db_prefix()

    @classmethod
    def tearDownClass(cls):
        cls.pg.drop(cls.template.database_name)
        cls.server._filestore().remove(cls.template.database_name)
        super().tearDownClass()

    def _instance(self, subdomain):
        instance = create_instance(self.env, subdomain, self.customer, self.plan,
                                   name=f"Company {subdomain}", server_id=self.server.id)
        self.addCleanup(self._drop, instance.database_name)
        return instance

    def _drop(self, dbname):
        self.pg.drop(dbname)
        self.pg.drop_role(dbname)
        self.server._filestore().remove(dbname)

    def _sql(self, dbname, query, args=None):
        return master_sql(self.server, query, args, dbname)

    def _authenticate(self, instance, login, password):
        """JSON-RPC login on the tenant's own host; returns the uid or None."""
        # a fresh session: the test opener's cookie jar is keyed by 127.0.0.1,
        # not by the Host header, and must not carry the tenant's cookie
        response = requests.post(
            self.base_url() + "/web/session/authenticate", timeout=30,
            json={"jsonrpc": "2.0", "method": "call", "params": {
                "db": instance.database_name, "login": login, "password": password}},
            headers={"Host": instance._host()},
        )
        payload = response.json()
        return (payload.get("result") or {}).get("uid")

    def _tenant_sql(self, instance, query):
        conn = psycopg2.connect(**self.server._connection_params(instance.database_name))
        try:
            with conn.cursor() as cr:
                cr.execute(query)
                return cr.fetchall()
        finally:
            conn.close()

    def test_provision_suspend_reactivate_terminate(self):
        instance = self._instance("e2e-shop")
        # opaque, as the warm pool's: nothing of the subdomain in pg_database
        self.assertRegex(instance.database_name, rf"^{tenant_db_prefix()}[0-9a-f]{{16}}$")
        with trap_jobs() as trap:
            instance.request_provisioning(PASSWORD)
            # reserved: committed state before any DDL, the clone is queued
            self.assertEqual(instance.state, "provisioning")
            self.assertEqual(instance.provision_step, "reserved")
            self.assertFalse(self.pg.exists(instance.database_name))
            trap.assert_jobs_count(1, only=instance._job_provision)
            run_jobs(trap)
        self.assertEqual(instance.state, "active", instance.log_ids.mapped("message"))
        self.assertEqual(instance.provision_step, "verify")
        # (plus "password" when the hash was not ready at customise)
        self.assertLessEqual({"clone", "role", "filestore", "customise", "verify"},
                             set(instance.log_ids.mapped("step")))
        self.assertFalse(instance.sudo().admin_password_sealed, "the password must not stay")
        self.assertTrue(self.pg.exists(instance.database_name))
        self.assertTrue(self.server._filestore().exists(instance.database_name))
        # customised: company name, admin login, limits, a new uuid
        self.assertEqual(self._tenant_sql(instance, "SELECT name FROM res_company WHERE id = 1"),
                         [("Company e2e-shop",)])
        tenant_uuid = self._tenant_sql(
            instance, "SELECT value FROM ir_config_parameter WHERE key = 'database.uuid'")
        self.pg.allow_connections(self.template.database_name, True)
        try:
            template_uuid = self._sql(
                self.template.database_name,
                "SELECT value FROM ir_config_parameter WHERE key = 'database.uuid'")[0][0]
            # a clone is born closed: suspended, and no admin/admin
            self.assertEqual(self._sql(self.template.database_name,
                                       "SELECT value FROM saas_control.tenant_setting "
                                       "WHERE key = 'suspended'"), [("1",)])
            admin_hash = self._sql(self.template.database_name,
                                   "SELECT password FROM res_users WHERE id = 2")[0][0]
            self.assertFalse(verify_password("admin", admin_hash))
        finally:
            self.pg.terminate_connections(self.template.database_name)
            self.pg.allow_connections(self.template.database_name, False)
        self.assertTrue(template_uuid)
        self.assertNotEqual(tenant_uuid[0][0], template_uuid)
        settings = instance._tenant_db().read_settings()
        self.assertEqual((settings["suspended"], settings["max_users"]), ("0", "2"))
        # the tenant answers at its own host and its admin logs in with the password set
        page = requests.get(self.base_url() + "/web/login", headers={"Host": instance._host()},
                            timeout=30)
        self.assertEqual(page.status_code, 200)
        self.assertIn('name="login"', page.text)
        self.assertTrue(self._authenticate(instance, "owner@customer.test", PASSWORD))
        self.assertFalse(self._authenticate(instance, "owner@customer.test", "wrong"))
        # its own role owns it, and may log in now that it is customised
        db = instance.database_name
        self.assertEqual(self.pg.database_owner(db), db)
        self.assertEqual(self._sql("postgres", "SELECT rolcanlogin, rolcreatedb FROM pg_roles "
                                               "WHERE rolname = %s", [db]), [(True, False)])

        instance.action_suspend("Unpaid invoice")
        self.assertEqual(instance.state, "suspended")
        self.assertEqual((instance.suspend_reason, instance.suspend_cause),
                         ("Unpaid invoice", "manual"))
        self.assertEqual(instance._tenant_db().read_settings()["suspended_reason"],
                         "Unpaid invoice")
        self.assertFalse(self._authenticate(instance, "owner@customer.test", PASSWORD))

        instance.action_reactivate()
        self.assertEqual(instance.state, "active")
        self.assertTrue(self._authenticate(instance, "owner@customer.test", PASSWORD))

        # maintenance: the router answers "back shortly" itself, then serves again
        login_page = lambda: requests.get(  # noqa: E731
            self.base_url() + "/web/login", headers={"Host": instance._host()}, timeout=30)
        with instance._maintenance("update", "Test update"):
            self.assertEqual(instance.maintenance_reason, "Test update")
            page = login_page()
            self.assertEqual((page.status_code, page.headers.get("X-Saas-Refused")),
                             (503, "maintenance"))
            self.assertFalse(self._authenticate(instance, "owner@customer.test", PASSWORD))
            with self.assertRaises(UserError):  # one maintenance at a time
                with instance._maintenance("update", "Another"):
                    pass
        self.assertFalse(instance.maintenance_reason)
        self.assertEqual(login_page().status_code, 200)
        self.assertEqual(instance.log_ids.filtered(lambda entry: entry.step == "maintenance")
                         .mapped("message")[:2],
                         ["Maintenance page off.", "Maintenance page on: Test update"])

        with trap_jobs() as trap:
            instance.action_terminate()
            self.assertEqual(instance.state, "active", "terminate runs in a job")
            run_jobs(trap)
        self.assertEqual(instance.state, "terminated")
        self.assertFalse(self.pg.exists(instance.database_name))
        self.assertFalse(self.server._filestore().exists(instance.database_name))
        self.assertFalse(self.pg.role_exists(instance.database_name))
        self.assertIn("terminate", instance.log_ids.mapped("operation"))

    def test_database_made_by_someone_else_is_never_adopted(self):
        # at the request: refused, nothing reserved
        early = self._instance("squat-early")
        self.pg.create_from_template(early.database_name, self.template.database_name)
        with trap_jobs() as trap, self.assertRaisesRegex(UserError, "already exists"):
            early.request_provisioning(PASSWORD)
        trap.assert_jobs_count(0)
        self.assertEqual(early.state, "draft")
        # made between the reservation and the clone: the clone step fails
        # the instance with the reason, and leaves that database as it was
        late = self._instance("squat-late")
        with trap_jobs() as trap:
            late.request_provisioning(PASSWORD)
            self.pg.create_from_template(late.database_name, self.template.database_name)
            run_jobs(trap)
        self.assertEqual(late.state, "failed")
        self.assertIn("refusing to adopt", late.log_ids[:1].message)
        self.assertEqual(self.pg.database_owner(late.database_name), self.server.db_user)
        self.assertEqual(self._sql(late.database_name,
                                   "SELECT login FROM res_users WHERE id = 2"), [("admin",)])

    def test_crash_between_clone_and_customise_is_recovered(self):
        instance = self._instance("crashy")

        class WorkerKilled(Exception):
            """The worker dies during the customise step."""

        with trap_jobs() as trap:
            instance.request_provisioning(PASSWORD)
            trap.assert_jobs_count(1, only=instance._job_provision)
            # (not self.assertRaises: Odoo's rolls back what its block did)
            killed = False
            with patch.object(type(instance), "_provision_customise", side_effect=WorkerKilled):
                try:
                    run_jobs(trap)
                except WorkerKilled:
                    killed = True
            self.assertTrue(killed)
        # the checkpoints of clone and filestore were committed; the
        # transaction of the step that died was rolled back
        self.assertEqual(instance.provision_step, "filestore")
        self.assertEqual(set(instance.log_ids.mapped("step")), {"clone", "role", "filestore"})
        self.assertTrue(self.pg.exists(instance.database_name))
        self.assertEqual(instance.state, "provisioning")
        # make it stale: no progress for longer than the reconciler waits,
        # and its job gone (never requeued)
        self.env.cr.execute("UPDATE saas_instance SET write_date = %s WHERE id = %s",
                            (fields.Datetime.now() - timedelta(minutes=10), instance.id))
        instance.invalidate_recordset()
        self.env["queue.job"].search([("uuid", "=", instance.current_job_uuid)]).unlink()
        with trap_jobs() as trap:
            self.env["saas.instance"]._cron_reconcile()
            trap.assert_jobs_count(1, only=instance._job_provision)
            # resumed where it stopped, on the general channel: no clone again
            self.assertEqual(trap.enqueued_jobs[0].channel, "root.saas")
            run_jobs(trap)
        self.assertEqual(instance.state, "active")
        self.assertIn("reconcile", instance.log_ids.mapped("operation"))
        self.assertEqual(instance.log_ids.filtered(lambda log: log.step == "clone").mapped(
            "result"), ["done"], "the clone ran once")
        self.assertTrue(self._authenticate(instance, "owner@customer.test", PASSWORD))
        # running the job again (at-least-once delivery) changes nothing
        self.assertIn("Skipped", instance._job_provision())

    def test_busy_template_is_retried_not_failed(self):
        instance = self._instance("busy-one")
        template_db = self.template.database_name
        self.pg.allow_connections(template_db, True)
        blocker = psycopg2.connect(**self.server._connection_params(template_db))
        try:
            with trap_jobs() as trap:
                instance.request_provisioning(PASSWORD)
                job = trap.enqueued_jobs[0]
                self.env.flush_all()  # the job runs on a cursor of its own
                with self.assertRaisesRegex(RetryableJobError, "accessed by other users"):
                    job.perform()
                instance.invalidate_recordset()
            self.assertEqual(instance.state, "provisioning")
            self.assertEqual(instance.provision_step, "reserved")
            # (the "retry" log line is written in a transaction of its own,
            # which a test, all on one connection, cannot observe)
            self.assertFalse(self.pg.exists(instance.database_name))
        finally:
            blocker.close()
            self.pg.allow_connections(template_db, False)
        # the retry, once the template is free, goes through
        self.env.flush_all()
        job.perform()
        instance.invalidate_recordset()
        self.assertEqual(instance.state, "active")

    def test_refusals_change_nothing(self):
        draft_template = create_template(self.env, self.server, name="Never built",
                                         module_list="base")
        plan = create_plan(self.env, draft_template, name="Unbuilt")
        instance = self._instance("not-built")
        instance.plan_id = plan
        instance.template_id = draft_template
        with trap_jobs() as trap, self.assertRaisesRegex(UserError, "not been built"):
            instance.request_provisioning(PASSWORD)
        trap.assert_jobs_count(0)
        self.assertEqual(instance.state, "draft")
        self.assertFalse(self.pg.exists(instance.database_name))

    def test_orphans_usage_and_bulk_update(self):
        instance = self._instance("usage-co")
        with trap_jobs() as trap:
            instance.request_provisioning(PASSWORD)
            run_jobs(trap)
        self.assertEqual(instance.state, "active")
        # measured at activation, not at the next sweep
        self.assertEqual(instance.user_count, 1)
        self.assertGreater(instance.db_size_mb, 5)
        self.assertTrue(instance.usage_date)
        self.assertEqual(len(instance.usage_ids), 1)
        settings = instance._tenant_db().read_settings()
        self.assertGreater(float(settings["storage_used_mb"]), 5, "shipped to the tenant")
        self.assertEqual(settings["storage_measured_at"],
                         str(instance.usage_date), "with the time of the measure")
        published = self.env["saas.plan"].search([("published", "=", True)])
        self.assertEqual({p["name"] for p in json.loads(settings["storage_plans"])},
                         set(published.mapped("name")), "the plans a customer can move to")
        self.env["saas.instance"]._cron_usage_sweep()
        self.assertEqual(instance.user_count, 1)
        self.assertEqual(len(instance.usage_ids), 2)
        # and after a plan change
        bigger = self.plan.copy({"name": "Bigger plan", "max_storage_mb": 500})
        instance.plan_id = bigger
        self.assertEqual(len(instance.usage_ids), 3)

        orphan_db = new_tenant_db_name()
        self.pg.create_from_template(orphan_db, self.template.database_name)
        self.addCleanup(self._drop, orphan_db)
        self.server._scan_orphans()
        orphans = self.env["saas.orphan.database"].search([("server_id", "=", self.server.id)])
        self.assertEqual(orphans.mapped("name"), [orphan_db], "the live tenant is not an orphan")
        orphans.action_drop()
        self.assertFalse(self.pg.exists(orphan_db))
        self.assertTrue(self.pg.exists(instance.database_name))

        wizard = self.env["saas.instance.update.modules"].with_context(
            active_ids=instance.ids).create({"module_list": "web"})
        with trap_jobs() as trap:
            wizard.action_update()
            trap.assert_jobs_count(1, only=instance._job_update_modules)
            trap.perform_enqueued_jobs()
        log = instance.log_ids.filtered(lambda entry: entry.operation == "update")
        self.assertEqual(log.result, "done", log.message)
        with self.assertRaises(UserError):
            self.env["saas.instance.update.modules"].with_context(
                active_ids=instance.ids).create({"module_list": "web; DROP"}).action_update()
        response = requests.get(instance.server_id.odoo_url + "/web/login",
                                headers={"Host": instance._host()}, timeout=30)
        self.assertEqual(response.status_code, 200)

    def _fill_pool(self, size):
        self.env["ir.config_parameter"].set_param("saas_provisioning.pool_size", str(size))
        with trap_jobs() as trap:
            self.env["saas.template"]._pool_schedule_fill(self.template)
            run_jobs(trap)
        return self.template.pool_ids

    def _role_can_login(self, role):
        return self._sql("postgres", "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s",
                         [role])

    def test_warm_pool(self):
        from odoo.modules.registry import Registry  # noqa: PLC0415

        self.addCleanup(self._fill_pool, 0)
        pool = self._fill_pool(2)
        self.assertEqual(pool.mapped("state"), ["ready", "ready"])
        for pooled in pool:
            # a tenant database in all but its customer: own role, closed,
            # not routable, registry loaded here
            self.assertTrue(pooled.name.startswith(self.pg_prefix + "_pool"), pooled.name)
            self.assertEqual(self.pg.database_owner(pooled.name), pooled.name)
            self.assertEqual(self._role_can_login(pooled.name), [(False,)])
            self.assertTrue(self.server._filestore().exists(pooled.name))
            self.assertIn(pooled.name, Registry.registries)
            self.assertFalse(is_routable(pooled.name))
        # never taken for orphans
        self.server._scan_orphans()
        self.assertFalse(self.env["saas.orphan.database"].search(
            [("name", "in", pool.mapped("name"))]))

        first, second = pool
        first_name = first.name
        instance = self._instance("from-pool")
        with trap_jobs() as trap:
            instance.request_provisioning(PASSWORD)
            # the first warm clone is given: only the tenant's own steps are left
            self.assertEqual(instance.database_name, first_name)
            self.assertFalse(first.exists())
            self.assertEqual(instance.provision_step, "filestore")
            trap.assert_jobs_count(1, only=instance._job_provision)
            trap.assert_jobs_count(1, only=self.template._job_pool_fill)
            run_jobs(trap)
        self.addCleanup(self._drop, instance.database_name)
        self.assertEqual(instance.state, "active", instance.log_ids.mapped("message"))
        self.assertNotIn("clone", instance.log_ids.mapped("step"))
        self.assertEqual(self._tenant_sql(instance, "SELECT name FROM res_company WHERE id = 1"),
                         [("Company from-pool",)])
        self.assertEqual(self._role_can_login(instance.database_name), [(True,)])
        self.assertTrue(self._authenticate(instance, "owner@customer.test", PASSWORD))
        # refilled behind it, without the clone given away
        refilled = self.template.pool_ids
        self.assertEqual(len(refilled.filtered(lambda p: p.state == "ready")), 2)
        self.assertNotIn(instance.database_name, refilled.mapped("name"))
        self.assertIn(second, refilled)

        # a clone of an earlier build is dropped, never given
        outdated = refilled[0]
        outdated_name = outdated.name
        outdated.template_database = "an_earlier_build"
        other = self._instance("not-outdated")
        with trap_jobs() as trap:
            other.request_provisioning(PASSWORD)
            self.assertNotEqual(other.database_name, outdated_name)
            run_jobs(trap)
        self.addCleanup(self._drop, other.database_name)
        self.assertEqual(other.state, "active")
        self.assertFalse(self.pg.exists(outdated_name))
        self.assertEqual(len(self.template.pool_ids.filtered(lambda p: p.state == "ready")), 2)
        # size 0 empties the pool: databases, roles and files
        names = self.template.pool_ids.mapped("name")
        self.assertFalse(self._fill_pool(0))
        for name in names:
            self.assertFalse(self.pg.exists(name))
            self.assertFalse(self.pg.role_exists(name))
            self.assertNotIn(name, Registry.registries)
