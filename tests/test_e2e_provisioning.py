"""End to end: the real Odoo server with its job runner provisions a tenant.

Creates an instance over XML-RPC as an administrator would, and sees the
tenant's login page answer at its own host name; logs in as the tenant admin
with the password that was set; finds the customised company; suspends it and
sees login and RPC refused, reactivates it and sees them work; terminates it
and sees the database gone.
"""
import os
import xmlrpc.client

import psycopg2
import requests

from odoo_server import devtool, host_xmlrpc, setup_control_plane

PREFIX = os.environ.get("SAAS_TEST_PREFIX", "saas_test_")
PASSWORD = "E2e-admin-Pass-42"


def tenant_rpc_login(srv, db, host, login, password):
    """XML-RPC authenticate on the tenant, sent to the server with its Host."""
    try:
        return host_xmlrpc(srv.url, host, "common", "authenticate", db, login, password, {},
                           timeout=30)
    except (xmlrpc.client.Fault, xmlrpc.client.ProtocolError):  # refused by Odoo, or the router
        return False


def web_login(srv, db, host, login, password):
    response = requests.post(srv.url + "/web/session/authenticate", timeout=30,
                             headers={"Host": host},
                             json={"jsonrpc": "2.0", "method": "call", "params": {
                                 "db": db, "login": login, "password": password}})
    return (response.json().get("result") or {}).get("uid")


def pg_connect(db):
    return psycopg2.connect(host="127.0.0.1", port=devtool.PG_PORT, user=devtool.PG_USER,
                            password=devtool.PG_PASSWORD, dbname=db)


def test_tenant_lifecycle_through_the_real_server(server):
    rpc = server.rpc()
    _server_id, _template_id, plan_id = setup_control_plane(rpc, server.url)
    partner_id = rpc("res.partner", "create", {"name": "E2E Customer", "email": "boss@e2e.test"})
    instance_id = rpc("saas.instance", "create", {
        "name": "E2E Widgets Ltd", "subdomain": "e2e-widgets",
        "partner_id": partner_id, "plan_id": plan_id})
    rpc("saas.instance", "request_provisioning", [instance_id], PASSWORD)
    state = rpc.wait("saas.instance", instance_id, "state", ("active", "failed"), timeout=120)
    info = rpc("saas.instance", "read", [instance_id],
               ["database_name", "url", "provision_seconds", "admin_login"])[0]
    assert state == "active", rpc("saas.instance.log", "search_read",
                                  [("instance_id", "=", instance_id)], ["step", "message"])
    db = info["database_name"]
    host = info["url"].split("://", 1)[1]
    print(f"provisioned in {info['provision_seconds']:.2f}s")

    page = requests.get(server.url + "/web/login", headers={"Host": host}, timeout=30)
    assert page.status_code == 200 and 'name="login"' in page.text
    # assets pre-built in the template are served from the copied filestore
    worker = requests.get(server.url + "/bus/websocket_worker_bundle?v=1", headers={"Host": host},
                          timeout=30)
    assert worker.status_code == 200, worker.text[:300]
    with pg_connect(db) as conn, conn.cursor() as cr:
        cr.execute("SELECT name FROM res_company WHERE id = 1")
        assert cr.fetchone()[0] == "E2E Widgets Ltd"
    assert info["admin_login"] == "boss@e2e.test"
    assert web_login(server, db, host, "boss@e2e.test", PASSWORD)
    assert tenant_rpc_login(server, db, host, "boss@e2e.test", PASSWORD)
    assert not web_login(server, db, host, "boss@e2e.test", "not-the-password")

    rpc("saas.instance", "action_suspend", [instance_id])
    assert rpc("saas.instance", "read", [instance_id], ["state"])[0]["state"] == "suspended"
    assert not web_login(server, db, host, "boss@e2e.test", PASSWORD)
    assert not tenant_rpc_login(server, db, host, "boss@e2e.test", PASSWORD)

    rpc("saas.instance", "action_reactivate", [instance_id])
    assert web_login(server, db, host, "boss@e2e.test", PASSWORD)
    assert tenant_rpc_login(server, db, host, "boss@e2e.test", PASSWORD)

    rpc("saas.instance", "action_terminate", [instance_id])
    assert rpc.wait("saas.instance", instance_id, "state", ("terminated",), timeout=60) == "terminated"
    assert not devtool.db_exists(db)
    # the host no longer reaches any database, and never the master
    page = requests.get(server.url + "/web/login", headers={"Host": host}, timeout=30,
                        allow_redirects=False)
    assert page.status_code == 303 and "/web/database/selector" in page.headers["Location"]
