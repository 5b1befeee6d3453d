"""End to end, on the two real PostgreSQL clusters of the setup (ports
PG_PORT and PG_PORT2): a tenant moved between them keeps its data, read
through the router by host afterwards; a move whose worker is killed
(SIGKILL) half-way leaves the tenant served from where it was, the
target's leftovers dropped by the retried job.

Run: ./dev test --pytest-only tests/test_e2e_servers.py
"""
import os
import signal
import time

import psycopg2
import pytest

from odoo_server import (OdooServer, TenantRpc, devtool, provision_tenants,
                         setup_control_plane, terminate_tenants, wait_for)

PREFIX = os.environ.get("SAAS_TEST_PREFIX", "saas_test_")
PASSWORD = "Move-me-1"


def on_cluster(port, dbname):
    """Whether ``dbname`` exists on the cluster at ``port`` (and its role)."""
    conn = psycopg2.connect(host="127.0.0.1", port=port, user=devtool.PG_USER,
                            password=devtool.PG_PASSWORD, dbname="postgres")
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = %s), "
                       "EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)", [dbname, dbname])
            return cr.fetchone()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def srv(master_base):
    server = OdooServer(PREFIX + "e2e_servers", channels="root:2")
    server.install("saas_provisioning", base=master_base)
    server.start()
    yield server
    server.stop()


def control_plane(rpc, url):
    """setup_control_plane, waiting longer for the template on a loaded
    machine (its build goes on in the server meanwhile)."""
    try:
        return setup_control_plane(rpc, url)
    except RuntimeError:
        template = rpc("saas.template", "search", [("name", "=", "Small")], order="id desc",
                       limit=1)[0]
        rpc.wait("saas.template", template, "state", ("ready", "failed"), timeout=3600,
                 interval=2)
        return setup_control_plane(rpc, url)


def second_server(rpc, url):
    found = rpc("saas.server", "search", [("name", "=", "Second PostgreSQL")])
    if found:
        rpc("saas.server", "write", found, {"odoo_url": url})
        return found[0]
    return rpc("saas.server", "create", dict(
        name="Second PostgreSQL", host="127.0.0.1", port=devtool.PG_PORT2,
        db_user=devtool.PG_USER, db_password=devtool.PG_PASSWORD, odoo_url=url,
        max_instances=1000))


def move(rpc, instance_id, server_id):
    wizard = rpc("saas.instance.move", "create", {"instance_id": instance_id,
                                                  "server_id": server_id})
    rpc("saas.instance.move", "action_move", [wizard])


def log_lines(rpc, instance_id):
    return rpc("saas.instance.log", "search_read",
               [("instance_id", "=", instance_id), ("operation", "=", "move")],
               ["step", "result", "message"], order="id")


def test_move_between_clusters_keeps_data_and_survives_a_kill(srv):
    rpc = srv.rpc()
    first_id, _template_id, plan_id = control_plane(rpc, srv.url)
    second_id = second_server(rpc, srv.url)
    tenants = {}
    try:
        info = provision_tenants(rpc, plan_id, ["e2e-mover"], PASSWORD, tenants)["e2e-mover"]
        instance_id, db = tenants["e2e-mover"], info["database_name"]
        host = info["url"].split("://", 1)[1]
        assert rpc("saas.instance", "read", [instance_id], ["server_id"])[0]["server_id"][0] \
            == first_id
        tenant = TenantRpc(srv.url, host, db, "boss@e2e-mover.test", PASSWORD)
        before = tenant("res.partner", "create", {"name": "Written before the move",
                                                  "comment": "kept"})

        # 1. the move: the data is read after it, through the router, from
        # the second cluster; the first one no longer has it
        move(rpc, instance_id, second_id)
        assert wait_for(lambda: rpc("saas.instance", "read", [instance_id],
                                    ["server_id", "move_server_id"])[0]["move_server_id"]
                        is False and on_cluster(devtool.PG_PORT, db) == (False, False), 120,
                        interval=0.5), log_lines(rpc, instance_id)
        row = rpc("saas.instance", "read", [instance_id], ["server_id", "maintenance_reason"])[0]
        assert row["server_id"][0] == second_id and not row["maintenance_reason"]
        assert on_cluster(devtool.PG_PORT2, db) == (True, True)
        tenant = TenantRpc(srv.url, host, db, "boss@e2e-mover.test", PASSWORD)
        assert tenant("res.partner", "read", [before], ["name", "comment"])[0]["comment"] \
            == "<p>kept</p>"
        after = tenant("res.partner", "create", {"name": "Written on the second cluster"})
        steps = [(line["step"], line["result"]) for line in log_lines(rpc, instance_id)]
        for step in ("copy", "check", "switch", "drop"):
            assert (step, "done") in steps, steps

        # 2. a move back, its worker killed while the copy runs: the tenant
        # stays served from the second cluster, the first one's leftovers go
        move(rpc, instance_id, first_id)
        assert wait_for(lambda: on_cluster(devtool.PG_PORT, db)[0], 60, interval=0.02), \
            "the copy never started"
        os.kill(srv.proc.pid, signal.SIGKILL)
        srv.proc.wait()
        srv.log_file.close()
        killed_at = time.time()
        # queue_job requeues a started job without a lock once it is 10 s old
        time.sleep(max(0.0, 11 - (time.time() - killed_at)))
        srv.start()
        rpc = srv.rpc()
        assert wait_for(lambda: not rpc("saas.instance", "read", [instance_id],
                                        ["move_server_id"])[0]["move_server_id"], 120,
                        interval=0.5), log_lines(rpc, instance_id)
        row = rpc("saas.instance", "read", [instance_id], ["server_id", "maintenance_reason"])[0]
        assert row["server_id"][0] == second_id and not row["maintenance_reason"]
        assert on_cluster(devtool.PG_PORT, db) == (False, False)
        assert ("recover", "done") in [(line["step"], line["result"])
                                       for line in log_lines(rpc, instance_id)]
        tenant = TenantRpc(srv.url, host, db, "boss@e2e-mover.test", PASSWORD)
        names = {r["name"] for r in tenant("res.partner", "read", [before, after], ["name"])}
        assert names == {"Written before the move", "Written on the second cluster"}
    finally:
        terminate_tenants(rpc, tenants)
