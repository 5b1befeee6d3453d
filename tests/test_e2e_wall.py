"""The wall, second pass, end to end: no session of the master's ever runs a
tenant's code.

Through the real server and its job runner, with the master's addons that
reach into tenants (provisioning, backups on moto's S3 server, SSO, DNS,
billing).  Three tenants are provisioned; then, as their administrators can
(a server action running SQL in its own database):

- T plants a trap on every way in (tests/traps.py: CHECK constraints and
  column defaults on res_users, res_partner, ir_config_parameter, ir_cron,
  res_company, ir_attachment and a new table; row and statement triggers,
  BEFORE and AFTER; an expression index; a FORCE'd row-level-security
  policy; functions in ``public`` shadowing common names).  A trap that runs
  in a session able to become anyone but T records itself as a role.
- R plants traps that raise in every session but its own Odoo's (its
  policy makes our reads of its users raise too).
- C plants nothing: the control.

The master then runs every operation it has on T: usage sweep, suspend and
reactivate, plan change, SSO key push, backup, restore as a copy, restore
in place, restore drill, module update, terminate.  Expected: 0 trap roles
after each operation, and each completes.  R's usage read fails, logged on
R's instance with the reason, while C is measured in the same sweep and R's
suspension still works.
"""
import os
import time

import boto3
import pytest

import traps
from odoo_server import TenantRpc, pg_master, request_tenants, setup_control_plane, wait_for
from loopback import MotoServer  # noqa: E402 (on the path through odoo_server)

PREFIX = os.environ.get("SAAS_TEST_PREFIX", "saas_test_")
PASSWORD = "Wall-admin-Pass-42"
BUCKET = "wall-backups"


def trapped():
    with pg_master() as conn, conn.cursor() as cr:
        roles = traps.recorded_roles(cr)
    conn.close()
    return roles


def drop_trapped():
    conn = pg_master()
    conn.autocommit = True
    with conn.cursor() as cr:
        for role in traps.recorded_roles(cr):
            cr.execute(f'DROP ROLE "{role}"')
    conn.close()


@pytest.fixture(scope="module")
def wall(server):
    drop_trapped()
    moto = MotoServer().start()
    srv, rpc = server, server.rpc()
    tenants = {}
    try:
        _server_id, template_id, plan_id = setup_control_plane(rpc, srv.url)
        bigger = rpc("saas.plan", "create", {"name": "Plan Bigger", "template_id": template_id,
                                             "max_users": 9, "max_storage_mb": 2048})
        boto3.client("s3", endpoint_url=moto.endpoint, region_name="us-east-1",
                     aws_access_key_id="testing", aws_secret_access_key="testing",
                     ).create_bucket(Bucket=BUCKET)
        storage_id = rpc("saas.backup.storage", "create", {
            "name": "moto", "kind": "s3", "endpoint_url": moto.endpoint,
            "region": "us-east-1", "bucket": BUCKET, "prefix": "wall",
            "access_key": "testing", "secret_key": "testing"})
        rpc("ir.config_parameter", "set_param", "saas_backup.storage_id", storage_id)
        request_tenants(rpc, plan_id, ("wall-t", "wall-r", "wall-c"), PASSWORD, tenants)
        for instance_id in tenants.values():
            assert rpc.wait("saas.instance", instance_id, "state", ("active", "failed"),
                            timeout=180) == "active"
        info = {sub: rpc("saas.instance", "read", [iid], ["database_name", "url"])[0]
                for sub, iid in tenants.items()}
        yield srv, rpc, tenants, info, bigger
    finally:
        # the other end-to-end files share this master: no storage left set,
        # no tenant of ours left running
        rpc("ir.config_parameter", "set_param", "saas_backup.storage_id", "")
        for instance_id in tenants.values():
            if rpc("saas.instance", "read", [instance_id], ["state"])[0]["state"] in (
                    "active", "suspended"):
                rpc("saas.instance", "action_terminate", [instance_id])
        moto.stop()
        drop_trapped()


def _admin_of(srv, info, sub):
    host = info[sub]["url"].split("://", 1)[1]
    return TenantRpc(srv.url, host, info[sub]["database_name"], f"boss@{sub}.test", PASSWORD)


def _plant(admin, raising):
    code = f"env.cr.execute({traps.plant_sql(raising=raising)!r})"
    outcome = admin.run_code(code)
    assert outcome == "done", outcome


def _logs(rpc, instance_id, operation):
    return rpc("saas.instance.log", "search_read",
               [("instance_id", "=", instance_id), ("operation", "=", operation)],
               ["step", "result", "message"], order="id")


def _cron(rpc, xmlid):
    module, name = xmlid.split(".")
    res_id = rpc("ir.model.data", "search_read", [("module", "=", module), ("name", "=", name)],
                 ["res_id"])[0]["res_id"]
    rpc("ir.cron", "method_direct_trigger", [res_id])


def test_no_trap_ever_runs_as_the_master(wall):
    srv, rpc, tenants, info, bigger = wall
    t, r, c = tenants["wall-t"], tenants["wall-r"], tenants["wall-c"]
    admin_t = _admin_of(srv, info, "wall-t")
    _plant(admin_t, raising=False)
    _plant(_admin_of(srv, info, "wall-r"), raising=True)
    # the traps are in place, and harmless to the tenant's own Odoo
    assert admin_t("res.partner", "create", {"name": "made after the traps"})
    assert admin_t("res.users", "search_count", [("share", "=", False)]) >= 1
    assert trapped() == []
    done = []

    def step(name, action):
        action()
        roles = trapped()
        assert roles == [], f"{name}: a trap ran as someone else than the tenant: {roles}"
        done.append(name)

    def usage_sweep():
        before = {i: rpc("saas.instance", "read", [i], ["usage_date"])[0]["usage_date"]
                  for i in (t, c)}
        time.sleep(1.1)  # usage_date has a resolution of one second
        _cron(rpc, "saas_provisioning.ir_cron_usage_sweep")
        for i in (t, c):
            assert rpc("saas.instance", "read", [i], ["usage_date"])[0]["usage_date"] \
                != before[i], "measured in the same sweep as the raising tenant"
        # R's own read failed, on its own instance's log, saying why
        failed = [log for log in _logs(rpc, r, "usage") if log["result"] == "failed"]
        assert failed and "trap policy refuses this statement" in failed[-1]["message"]

    def suspend_reactivate():
        for instance_id in (t, r):
            rpc("saas.instance", "action_suspend", [instance_id])
            assert rpc("saas.instance", "read", [instance_id], ["state"])[0]["state"] \
                == "suspended"
            rpc("saas.instance", "action_reactivate", [instance_id])
            assert rpc("saas.instance", "read", [instance_id], ["state"])[0]["state"] \
                == "active"

    def plan_change():
        # the backend's plan field: the tenant's usage is measured again at once
        before = rpc("saas.instance", "read", [t], ["usage_date"])[0]["usage_date"]
        time.sleep(1.1)
        rpc("saas.instance", "write", [t], {"plan_id": bigger})
        after = rpc("saas.instance", "read", [t], ["usage_date", "user_count"])[0]
        assert after["usage_date"] != before and after["user_count"] >= 1

    def sso_push():
        # a new signing key, pushed into every live tenant (T and R included)
        result = rpc("saas.sso.key", "action_rotate", [])
        assert result["params"]["type"] == "success", result

    backup = {}

    def take_backup():
        rpc("saas.instance", "action_backup_now", [t])
        ids = wait_for(lambda: rpc("saas.backup", "search",
                                   [("instance_id", "=", t), ("state", "=", "done")]), 180)
        assert ids, rpc("saas.backup", "search_read", [("instance_id", "=", t)],
                        ["state", "message"])
        backup["id"] = ids[0]

    def restore_copy():
        wizard = rpc("saas.backup.restore", "create", {
            "backup_id": backup["id"], "mode": "copy", "subdomain": "wall-t-copy"})
        action = rpc("saas.backup.restore", "action_restore", [wizard])
        state = rpc.wait("saas.instance", action["res_id"], "state", ("active", "failed"),
                         timeout=180, interval=0.3)
        assert state == "active", _logs(rpc, action["res_id"], "restore")
        backup["copy"] = action["res_id"]

    def restore_in_place():
        before = len([log for log in _logs(rpc, t, "restore") if log["step"] == "swap"])
        wizard = rpc("saas.backup.restore", "create", {
            "backup_id": backup["id"], "mode": "in_place", "confirmation": "wall-t"})
        rpc("saas.backup.restore", "action_restore", [wizard])
        assert wait_for(lambda: len([log for log in _logs(rpc, t, "restore")
                                     if log["step"] == "swap"]) > before, 180), \
            _logs(rpc, t, "restore")

    def drill():
        rpc("saas.backup", "action_drill", [backup["id"]])
        state = wait_for(lambda: rpc("saas.backup", "read", [backup["id"]],
                                     ["drill_state"])[0]["drill_state"] != "none"
                         and rpc("saas.backup", "read", [backup["id"]],
                                 ["drill_state", "drill_message"])[0], 180)
        assert state["drill_state"] == "passed", state

    def module_update():
        wizard = rpc("saas.instance.update.modules", "create", {
            "instance_ids": [(6, 0, [t])], "module_list": "web"})
        rpc("saas.instance.update.modules", "action_update", [wizard])
        logs = wait_for(lambda: _logs(rpc, t, "update"), timeout=300)
        assert logs and logs[-1]["result"] == "done", logs
        # what the update made belongs to the tenant's role
        db = info["wall-t"]["database_name"]
        with pg_master(db) as conn, conn.cursor() as cr:
            cr.execute("""SELECT count(*) FROM pg_class c
                            JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE n.nspname = 'public' AND c.relowner <> %s::regrole""", [db])
            assert cr.fetchone()[0] == 0
        conn.close()

    def terminate():
        for instance_id in (t, backup["copy"]):
            rpc("saas.instance", "action_terminate", [instance_id])
        for instance_id in (t, backup["copy"]):
            assert rpc.wait("saas.instance", instance_id, "state", ("terminated",),
                            timeout=120, interval=0.3) == "terminated"

    step("usage sweep", usage_sweep)
    step("suspend and reactivate", suspend_reactivate)
    step("plan change", plan_change)
    step("SSO key push", sso_push)
    step("backup", take_backup)
    step("restore as a copy", restore_copy)
    step("restore in place", restore_in_place)
    step("restore drill", drill)
    step("module update", module_update)
    # the traps came back with the restores: still there, still harmless
    with pg_master(info["wall-t"]["database_name"]) as conn, conn.cursor() as cr:
        cr.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'trap\\_%'")
        assert cr.fetchone()[0] >= 4 * len(traps.TABLES)
    conn.close()
    step("terminate", terminate)
    print("operations with 0 trap roles: " + ", ".join(done))
    assert rpc("saas.instance", "read", [c], ["state"])[0]["state"] == "active"
