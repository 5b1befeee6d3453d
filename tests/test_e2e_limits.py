"""Limits the customer pays for, enforced where the customer cannot reach them.

Through the real server with its job runner, on a 3-user plan:

- a suspended tenant is answered by the router (403: a page linking to the
  customer's account, JSON for JSON-RPC), its database is never opened, its
  role may not log in and has no session left; RPC naming its database on
  the master's host is refused too; reactivation undoes it all;
- a tenant administrator who sets ``saas_tenant`` to 'uninstalled' in SQL
  and then installs an allowed addon (the registry reloads without it) is
  refused by the router at once, then flagged by the master's sweep
  (tampered, an activity, a webhook event); the control tenant still works;
- the 'to upgrade' trick loads nothing outside the plan;
- users put into base.group_user by SQL (skipping saas_tenant's check) are
  counted by the master, and the instance is suspended once over the plan;
- attachments disguised as ir.ui.view count toward storage.
"""
import json
import sys
import time
import xmlrpc.client
from pathlib import Path

import pytest
import requests

from odoo_server import (TenantRpc, host_xmlrpc, pg_master, provision_tenants,
                         setup_control_plane, terminate_tenants, wait_for)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "saas_webhook" / "tests"))
from receiver import Receiver  # noqa: E402

PASSWORD = "Lim-admin-Pass-42"


@pytest.fixture(scope="module")
def plane(server):
    rpc = server.rpc()
    _server_id, template_id, _plan_id = setup_control_plane(rpc, server.url)
    plan = rpc("saas.plan", "create", {"name": "Three users", "template_id": template_id,
                                       "max_users": 3, "limit_grace_days": 0,
                                       "max_storage_mb": 0})
    tenants = {}
    try:
        info = provision_tenants(rpc, plan, ("lim-a", "lim-b", "lim-c"), PASSWORD, tenants)
        yield rpc, tenants, info
    finally:
        terminate_tenants(rpc, tenants)


def _host(info):
    return info["url"].split("://", 1)[1]


def _admin(server, info, sub):
    return TenantRpc(server.url, _host(info[sub]), info[sub]["database_name"],
                     f"boss@{sub}.test", PASSWORD)


def _get(server, host, path="/web/login", **kw):
    return requests.get(server.url + path, headers={"Host": host}, timeout=30,
                        allow_redirects=False, **kw)


def _role(dbname):
    with pg_master() as conn, conn.cursor() as cr:
        cr.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [dbname])
        can_login = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", [dbname])
        return can_login, cr.fetchone()[0]


def _cron(rpc, xmlid):
    module, name = xmlid.split(".")
    res_id = rpc("ir.model.data", "search_read", [("module", "=", module), ("name", "=", name)],
                 ["res_id"])[0]["res_id"]
    rpc("ir.cron", "method_direct_trigger", [res_id])


def test_suspension_is_enforced_at_the_router_and_by_postgresql(server, plane):
    rpc, tenants, info = plane
    b, host = info["lim-b"], _host(info["lim-b"])
    admin = _admin(server, info, "lim-b")
    assert admin("res.partner", "search_count", []) >= 1
    assert _role(b["database_name"])[1] >= 1  # the server holds sessions of it

    started = time.monotonic()
    rpc("saas.instance", "action_suspend", [tenants["lim-b"]])
    page = _get(server, host)
    refused_after = time.monotonic() - started
    assert page.status_code == 403 and page.headers["X-Saas-Refused"] == "suspended"
    assert "This instance is suspended" in page.text
    assert f"/my/saas/{tenants['lim-b']}" in page.text  # where to pay
    # JSON-RPC: a JSON error; XML-RPC on its host: 403
    call = requests.post(server.url + "/web/dataset/call_kw", headers={"Host": host},
                         json={"jsonrpc": "2.0", "method": "call", "params": {}}, timeout=30)
    assert call.status_code == 403
    assert call.json()["error"]["data"]["name"] == "saas.suspended"
    with pytest.raises(xmlrpc.client.Fault, match="suspended"):
        admin("res.partner", "search_count", [])
    rpc_page = requests.post(server.url + "/xmlrpc/2/object", headers={"Host": host},
                             data=xmlrpc.client.dumps((), "version"), timeout=30)
    assert rpc_page.status_code == 403
    # RPC naming the database on the master's own host: refused as well
    with pytest.raises(xmlrpc.client.Fault, match="suspended"):
        host_xmlrpc(server.url, "127.0.0.1", "common", "authenticate",
                    b["database_name"], "boss@lim-b.test", PASSWORD, {})
    # PostgreSQL: the role may not log in, and none of its sessions is left
    assert _role(b["database_name"]) == (False, 0)
    print(f"\nsuspend -> refused at the router: {refused_after * 1000:.0f} ms "
          "(the action, its commit and one request)")

    rpc("saas.instance", "action_reactivate", [tenants["lim-b"]])
    assert _get(server, host).status_code == 200
    assert _role(b["database_name"])[0] is True
    assert _admin(server, info, "lim-b")("res.partner", "search_count", []) >= 1


def test_removing_saas_tenant_is_refused_and_flagged(server, plane):
    rpc, tenants, info = plane
    a, c = info["lim-a"], info["lim-c"]
    attacker = _admin(server, info, "lim-a")
    outcome = attacker.run_code(
        "env.cr.execute(\"UPDATE ir_module_module SET state = 'uninstalled' "
        "WHERE name = 'saas_tenant'\")\n"
        "env['ir.module.module'].search([('name', '=', 'board')]).button_immediate_install()")
    # the install ran; the registry it reloaded lacks saas_tenant: refused
    page = _get(server, _host(a))
    assert page.status_code == 403 and page.headers["X-Saas-Refused"] == "tampered", \
        (outcome, page.status_code)
    with pytest.raises(xmlrpc.client.Fault, match="unavailable"):
        _admin(server, info, "lim-a")
    # the master reads the tenant's modules as the tenant: flagged
    tampered_type = rpc("saas.webhook.event.type", "search",
                        [("code", "=", "instance.tampered")])
    with Receiver() as receiver:
        rpc("ir.config_parameter", "set_param", "saas_webhook.allow_private_urls", "1")
        endpoint = rpc("saas.webhook.endpoint", "create", {
            "name": "ops", "url": receiver.url, "event_type_ids": [(6, 0, tampered_type)]})
        try:
            _cron(rpc, "saas_provisioning.ir_cron_usage_sweep")
            assert wait_for(lambda: receiver.requests, 60), "no webhook delivered"
        finally:
            rpc("saas.webhook.endpoint", "write", [endpoint], {"active": False})
            rpc("ir.config_parameter", "set_param", "saas_webhook.allow_private_urls", "")
    delivered = json.loads(receiver.requests[0]["body"])
    assert delivered["type"] == "instance.tampered"
    assert delivered["data"]["instance_id"] == tenants["lim-a"]
    assert "saas_tenant is uninstalled" in delivered["data"]["reason"]
    flagged = rpc("saas.instance", "read", [tenants["lim-a"]],
                  ["tampered", "tamper_reason", "activity_ids"])[0]
    assert flagged["tampered"] and "saas_tenant is uninstalled" in flagged["tamper_reason"]
    assert flagged["activity_ids"]
    with pg_master(server.db) as conn, conn.cursor() as cr:
        cr.execute("SELECT DISTINCT state FROM saas_route WHERE database_name = %s",
                   [a["database_name"]])
        assert cr.fetchall() == [("tampered",)]
    assert _role(a["database_name"]) == (False, 0)
    # a SaaS manager cannot clear it while it is still tampered with
    with pytest.raises(xmlrpc.client.Fault, match="still tampered"):
        rpc("saas.instance", "action_clear_tamper", [tenants["lim-a"]])
    # the control tenant is served as before
    assert _get(server, _host(c)).status_code == 200
    assert _admin(server, info, "lim-c")("res.partner", "search_count", []) >= 1


def test_to_upgrade_trick_and_users_by_sql(server, plane):
    rpc, tenants, info = plane
    admin = _admin(server, info, "lim-c")
    # a master addon set to 'to upgrade' in SQL, then any reload: not loaded
    admin.run_code(
        "env.cr.execute(\"UPDATE ir_module_module SET state = 'to upgrade' "
        "WHERE name = 'saas_dns'\")\n"
        "env['ir.module.module'].search([('name', '=', 'saas_tenant')]).button_immediate_upgrade()")
    admin = _admin(server, info, "lim-c")
    assert admin("ir.module.module", "search_read", [("name", "=", "saas_dns")],
                 ["state"])[0]["state"] == "uninstalled"
    assert not admin("ir.model", "search", [("model", "=", "saas.dns.zone")])
    assert _get(server, _host(info["lim-c"])).status_code == 200

    # four internal users by SQL on a 3-user plan: saas_tenant never sees them
    outcome = admin.run_code(
        "group = env.ref('base.group_user').id\n"
        "for n in range(4):\n"
        "    env.cr.execute(\"INSERT INTO res_partner (name, active, type) VALUES (%s, true, "
        "'contact') RETURNING id\", ['sql user %s' % n])\n"
        "    partner = env.cr.fetchone()[0]\n"
        "    env.cr.execute(\"INSERT INTO res_users (login, partner_id, company_id, active, "
        "share, notification_type) VALUES (%s, %s, 1, true, true, 'email') RETURNING id\", "
        "['sql%s@x.test' % n, partner])\n"
        "    env.cr.execute('INSERT INTO res_groups_users_rel (gid, uid) VALUES (%s, %s)', "
        "[group, env.cr.fetchone()[0]])")
    assert outcome == "done", outcome
    # disguised attachments: stored in the database as ir.ui.view
    blob = "x" * (2 * 2**20)
    admin.run_code(
        f"env['ir.attachment'].create({{'name': 'v.css', 'res_model': 'ir.ui.view', "
        f"'raw': {blob!r}.encode()}})")
    before = rpc("saas.instance", "read", [tenants["lim-c"]],
                 ["db_size_mb", "filestore_size_mb"])[0]
    _cron(rpc, "saas_provisioning.ir_cron_usage_sweep")
    after = rpc("saas.instance", "read", [tenants["lim-c"]],
                ["user_count", "state", "db_size_mb", "filestore_size_mb", "over_limit_reason"])[0]
    assert after["user_count"] == 5  # the admin and the four
    assert after["db_size_mb"] + after["filestore_size_mb"] >= \
        before["db_size_mb"] + before["filestore_size_mb"] + 1.9
    # over the plan with no grace: suspended, saying why
    assert after["state"] == "suspended" and "5 internal users" in after["over_limit_reason"]
    assert _get(server, _host(info["lim-c"])).status_code == 403
