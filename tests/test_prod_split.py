"""The master apart in production mode: its processes answer while a tenant
holds the tenants' HTTP workers, and the tenants' processes cannot reach it.

Real prefork servers, started by the functions `./dev run --workers` uses
(scripts/prod_split.py): the master's group (backend, portal, job runner,
master crons), the tenants' group (its own db_user, the route map read
through a role of its own) and nginx in front.  A tenant is provisioned
through the control plane; its administrator runs four server actions that
sleep 60 s in PostgreSQL; meanwhile the master's login page and portal and
another tenant's login page answer.  Then the watchdog (its cron, with the
plan's ``max_query_seconds`` lowered) ends the sleeping backends, logged on
the instance.
"""
import os
import threading
import time

import psycopg2
import pytest
import requests

from odoo_server import (Rpc, TenantRpc, devtool, free_port, host_xmlrpc, pg_master,
                         request_tenants, setup_control_plane, wait_for, wait_until)

import prod_split  # noqa: E402 (scripts/ is on sys.path through odoo_server)

PREFIX = os.environ.get("SAAS_TEST_PREFIX", "saas_test_") + "split_"
MASTER_DB = PREFIX + "master"
PASSWORD = "Split-admin-Pass-42"
SLEEP = "pg_sleep(60)"
# the tenants' group: four workers held by one tenant, one left for others
TENANT_WORKERS = 5
LIVENESS = 10  # seconds: a request that gets no answer in this long is "not answering"


def _host(url):
    return url.split("://", 1)[1].rstrip("/")


@pytest.fixture(scope="module")
def split():
    t0 = time.time()
    run_dir = devtool.RUN_DIR / "split-test"
    run_dir.mkdir(parents=True, exist_ok=True)
    tenant_user, map_user = prod_split.ensure_roles(PREFIX)
    ports = dict(master_http=free_port(), master_gevent=free_port(),
                 tenants_http=free_port(), tenants_gevent=free_port())
    master_conf, tenants_conf = prod_split.write_configs(
        MASTER_DB, PREFIX, 2, ports, run_dir=run_dir, tenant_workers=TENANT_WORKERS)
    nginx_port = free_port()
    nginx_conf = prod_split.write_nginx(run_dir / "nginx", nginx_port, ports,
                                        prod_split.master_names())
    if not devtool.db_exists(MASTER_DB):
        devtool.sh(prod_split.odoo_cmds(master_conf, tenants_conf, MASTER_DB)["master"] + [
            "-i", "saas_provisioning", "--stop-after-init", "--without-demo=all",
            "--log-level=warn", "--no-http"])
    procs = prod_split.start(master_conf, tenants_conf, MASTER_DB, nginx_conf=nginx_conf,
                             log_dir=run_dir)
    urls = dict(master=f"http://127.0.0.1:{ports['master_http']}",
                tenants=f"http://127.0.0.1:{ports['tenants_http']}",
                nginx=f"http://127.0.0.1:{nginx_port}")
    try:
        wait_until(lambda: requests.get(urls["master"] + "/web/login", timeout=5).status_code
                   == 200, 120, "master's group", procs["master"], interval=0.5)
        wait_until(lambda: requests.get(urls["tenants"] + "/web/health", timeout=5).status_code
                   == 200, 120, "tenants' group", procs["tenants"], interval=0.5)
        rpc = Rpc(urls["master"], MASTER_DB, "admin", "admin")
        # the verify step calls the tenants' group; tenants live under its port
        _server, _template, plan_id = setup_control_plane(rpc, urls["tenants"])
        tenants = request_tenants(rpc, plan_id, ("split-a", "split-b"), PASSWORD)
        info = {}
        for sub, instance_id in tenants.items():
            state = rpc.wait("saas.instance", instance_id, "state", ("active", "failed"),
                             timeout=300, interval=0.5)
            assert state == "active", rpc("saas.instance.log", "search_read",
                                          [("instance_id", "=", instance_id)],
                                          ["step", "message"])
            info[sub] = rpc("saas.instance", "read", [instance_id], ["database_name", "url"])[0]
        print(f"split servers up, 2 tenants provisioned in {time.time() - t0:.0f}s")
        yield dict(urls=urls, info=info, roles=(tenant_user, map_user), rpc=rpc,
                   run_dir=run_dir, ids=tenants)
    finally:
        prod_split.stop(procs)


def _sleeping(dbname):
    with pg_master() as conn, conn.cursor() as cr:
        cr.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND query LIKE %s "
                   "AND pid <> pg_backend_pid()", [dbname, f"%{SLEEP}%"])
        return [pid for (pid,) in cr.fetchall()]


def _end_backends(pids):
    with pg_master() as conn, conn.cursor() as cr:
        for pid in pids:
            cr.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_master_and_other_tenants_answer_while_a_tenant_holds_its_workers(split):
    urls, info = split["urls"], split["info"]
    a, b = info["split-a"], info["split-b"]
    admin_a = TenantRpc(urls["tenants"], _host(a["url"]), a["database_name"],
                        "boss@split-a.test", PASSWORD)
    model_id = admin_a("ir.model", "search", [("model", "=", "res.partner")])[0]
    action_id = admin_a("ir.actions.server", "create", {
        "name": "sleep", "model_id": model_id, "state": "code",
        "code": f"env.cr.execute('SELECT {SLEEP}')"})

    def run_action():
        try:
            host_xmlrpc(urls["tenants"], _host(a["url"]), "object", "execute_kw",
                        a["database_name"], admin_a.uid, PASSWORD, "ir.actions.server", "run",
                        [[action_id]], {}, timeout=120)
        except Exception:  # noqa: BLE001 (ended by the test below)
            pass

    threads = [threading.Thread(target=run_action, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        held = wait_for(lambda: len(_sleeping(a["database_name"])) == 4, 60)
        assert held, f"4 sleeping requests expected, {_sleeping(a['database_name'])}"
        answers = {
            "master login": requests.get(urls["master"] + "/web/login", timeout=LIVENESS),
            "master login via nginx": requests.get(urls["nginx"] + "/web/login",
                                                   headers={"Host": "localhost"},
                                                   timeout=LIVENESS),
            "portal": requests.get(urls["master"] + "/my", allow_redirects=False,
                                   timeout=LIVENESS),
            "other tenant": requests.get(urls["tenants"] + "/web/login", timeout=LIVENESS,
                                         headers={"Host": _host(b["url"])}),
            "other tenant via nginx": requests.get(
                urls["nginx"] + "/web/login", timeout=LIVENESS,
                headers={"Host": _host(b["url"]).split(":")[0]}),
        }
        # the four requests were still asleep while all of that answered
        assert len(_sleeping(a["database_name"])) == 4
        print("\nwhile a tenant holds 4 workers: " + ", ".join(
            f"{what} {answer.elapsed.total_seconds() * 1000:.0f} ms"
            for what, answer in answers.items()))
        # the watchdog ends them once they run longer than the plan allows
        # (its cron, run now; their age is whatever it is by then: the plan
        # allows less)
        rpc = split["rpc"]
        plan_id = rpc("saas.instance", "read", [split["ids"]["split-a"]],
                      ["plan_id"])[0]["plan_id"][0]
        rpc("saas.plan", "write", [plan_id], {"max_query_seconds": 1})
        time.sleep(1.5)
        cron = rpc("ir.model.data", "search_read", [("module", "=", "saas_provisioning"),
                                                    ("name", "=", "ir_cron_watchdog")],
                   ["res_id"])[0]["res_id"]
        rpc("ir.cron", "method_direct_trigger", [cron])
        assert wait_for(lambda: not _sleeping(a["database_name"]), 30), \
            "the watchdog left the sleeping sessions"
        ended = rpc("saas.instance.log", "search_count",
                    [("instance_id", "=", split["ids"]["split-a"]),
                     ("operation", "=", "watchdog")])
        assert ended >= 4, ended
        rpc("saas.plan", "write", [plan_id], {"max_query_seconds": 0})
    finally:
        _end_backends(_sleeping(a["database_name"]))
        for thread in threads:
            thread.join(30)
    for what in ("master login", "master login via nginx", "other tenant",
                 "other tenant via nginx"):
        assert answers[what].status_code == 200, (what, answers[what].status_code)
    assert 'name="login"' in answers["master login"].text
    assert answers["portal"].status_code == 303  # /my -> the master's login page
    assert "/web/login" in answers["portal"].headers["Location"]
    assert not _sleeping(a["database_name"])


def test_each_group_answers_its_own_hosts_only(split):
    urls, a = split["urls"], split["info"]["split-a"]
    # a master name at the tenants' processes, a tenant's at the master's:
    # no database (Odoo's "no database" redirect, never a login page)
    for url, host in ((urls["tenants"], "localhost"), (urls["master"], _host(a["url"]))):
        answer = requests.get(url + "/web/login", headers={"Host": host}, timeout=LIVENESS,
                              allow_redirects=False)
        assert answer.status_code != 200 and 'name="login"' not in answer.text, (url, host)
    # the tenants' processes serve the tenant
    answer = requests.get(urls["tenants"] + "/web/login", headers={"Host": _host(a["url"])},
                          timeout=LIVENESS)
    assert answer.status_code == 200 and 'name="login"' in answer.text


def test_tenant_processes_role_cannot_reach_the_master(split):
    tenant_user, map_user = split["roles"]

    def connect(user, dbname):
        return psycopg2.connect(host="127.0.0.1", port=devtool.PG_PORT, user=user,
                                password=prod_split.role_password(user), dbname=dbname)

    with pytest.raises(psycopg2.OperationalError, match="permission denied for database"):
        connect(tenant_user, MASTER_DB)
    connect(tenant_user, "postgres").close()  # Odoo's listener and database list
    with pg_master() as conn, conn.cursor() as cr:
        cr.execute("""SELECT r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolbypassrls,
                             r.rolreplication, r.rolcanlogin,
                             (SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid)
                        FROM pg_roles r WHERE r.rolname = %s""", [tenant_user])
        assert cr.fetchone() == (False, False, False, False, False, True, 0)
    # the route map's reader: the map, nothing else of the master
    with connect(map_user, MASTER_DB) as conn, conn.cursor() as cr:
        cr.execute("SELECT count(*) FROM saas_route WHERE database_name LIKE %s", [PREFIX + "t_%"])
        assert cr.fetchone()[0] == 2
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cr.execute("SELECT login FROM res_users")


def test_tenant_crons_run_in_the_tenants_processes(split):
    """The tenants' cron worker runs a tenant's due jobs (its template's
    crons are due after the clone); the master's processes run none."""
    tenant_db = split["info"]["split-a"]["database_name"]

    def cron_lines(group):
        text = (split["run_dir"] / f"{group}.log").read_text(errors="replace")
        return [line for line in text.splitlines()
                if f" {tenant_db} odoo.addons.base.models.ir_cron: Job " in line]

    assert wait_for(lambda: cron_lines("tenants"), 180, interval=2), "no cron of the tenant ran"
    assert not cron_lines("master")
