#!/usr/bin/env python3
"""Benchmark: the uptime sweep over many tenants, through a real router.

Run with Odoo's venv:  ./dev python bench/uptime_probe.py [-n 1000] [--databases 10] [--keep]

Installs saas_provisioning in a master of its own, makes ``--databases``
small real tenant databases (each owned by its own LOGIN role, as the
router requires), N active instances whose hosts the route map sends to
those databases (N / databases hosts each: the router's work per probe is
the same as for N databases, and no registry is ever loaded, which is the
point), and starts a real Odoo server (threaded, saas_router loaded)
serving them.  Then, 3 rounds interleaved:
  * ours: ``saas.instance._cron_uptime_probe()`` in this process (the
    master's cron worker): N probes through the router, hourly rows
    folded in one statement, the failure counts followed;
  * floor: N bare ``GET /web/login`` to the same server with a host the
    map does not know (Odoo's own answer, no database), at the same
    concurrency (uptime_probe.PROBERS threads, keep-alive sessions);
  * and the other floor of a cold probe: N bare logins as the tenants'
    roles (connect, ``SELECT 1``, close), at the same concurrency.
Prints wall and CPU seconds of this process, and checks in the server's
log that no tenant registry was loaded and in pg_stat_activity that no
tenant session is left.  Drops everything unless --keep.  Asserts nothing.
"""
import argparse
import concurrent.futures
import os
import re
import sys
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "tests"))
import devtool  # noqa: E402
from odoo_server import OdooServer, free_port  # noqa: E402

PREFIX = os.environ.get("SAAS_BENCH_PREFIX", "saas_bprobe_")


def bare_gets(url, count, probers):
    local = threading.local()

    def one(i):
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        return session.get(url + "/web/login", headers={"Host": f"nobody{i}.invalid"},
                           allow_redirects=False, timeout=10).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=probers) as pool:
        return list(pool.map(one, range(count)))


def bare_logins(params, databases, count, probers, credentials):
    import psycopg2  # noqa: PLC0415

    def one(i):
        name = databases[i % len(databases)]
        role = credentials.tenant_role_name(name)
        conn = psycopg2.connect(dbname=name, user=role, host=params["host"],
                                port=params["port"],
                                password=credentials.tenant_role_password(role))
        with conn.cursor() as cr:
            cr.execute("SELECT 1")
            cr.fetchone()
        conn.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=probers) as pool:
        list(pool.map(one, range(count)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", "--tenants", type=int, default=1000)
    parser.add_argument("--databases", type=int, default=10)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    master = PREFIX + "master"
    port = free_port()
    conf = devtool.write_config(db_name=master, http_port=port, prefix=PREFIX,
                                path=devtool.RUN_DIR / "bench-uptime.conf")
    devtool.drop_prefixed(PREFIX)
    server_proc = OdooServer(master, conf=conf, port=port,
                             log_path=devtool.RUN_DIR / "bench-uptime-server.log")
    print(f"master installed in {server_proc.install('saas_provisioning'):.1f} s", flush=True)

    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", str(conf), "-d", master, "--log-level=warn"])
    odoo.modules.module.initialize_sys_path()
    import psycopg2  # noqa: PLC0415
    from psycopg2 import sql  # noqa: PLC0415

    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415

    import odoo.addons.saas_router  # noqa: F401,PLC0415 (installs the patches)
    from odoo.addons.saas_provisioning.adapters import PgAdmin  # noqa: PLC0415
    from odoo.addons.saas_provisioning.tools import uptime_probe  # noqa: PLC0415
    from odoo.addons.saas_router import credentials, routing  # noqa: PLC0415

    params = {"host": "127.0.0.1", "port": devtool.PG_PORT, "user": devtool.PG_USER,
              "password": devtool.PG_PASSWORD}
    pg = PgAdmin(params)
    try:
        databases = [routing.new_tenant_db_name() for _i in range(args.databases)]
        for name in databases:
            role = credentials.tenant_role_name(name)
            pg.ensure_role(role, credentials.scram_verifier(credentials.tenant_role_password(role)),
                           login=True)
            pg.create_database(name)
            conn = psycopg2.connect(dbname="postgres", **params)
            conn.autocommit = True
            with conn.cursor() as cr:
                cr.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(name), sql.Identifier(role)))
            conn.close()
            pg.close_to_others(name)

        registry = Registry(master)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["ir.config_parameter"].set_param("saas_base.base_domain", f"localhost:{port}")
            server = env["saas.server"].create(dict(
                name="bench", host=params["host"], port=params["port"], db_user=params["user"],
                db_password=params["password"], max_instances=100000,
                odoo_url=server_proc.url))
            plan = env["saas.plan"].create({"name": "bench"})
            partner = env["res.partner"].create({"name": "bench"})
            instances = env["saas.instance"]._create_state_machine([
                {"name": f"p{i:04d}", "subdomain": f"p{i:04d}", "partner_id": partner.id,
                 "plan_id": plan.id, "server_id": server.id, "state": "active"}
                for i in range(args.tenants)])
            for n, instance in enumerate(instances):
                routing.replace_routes(cr, instance.id, [{
                    "host": routing.bare_host(instance._host()),
                    "database_name": databases[n % len(databases)]}])
            cr.commit()
            server_proc.start()
            print(f"{args.tenants} instances routed to {len(databases)} tenant databases; "
                  f"server {server_proc.url}", flush=True)

            rounds = []
            for _ in range(3):  # interleaved: a busy machine weighs on both alike
                t, c = time.perf_counter(), time.process_time()
                codes = bare_gets(server_proc.url, args.tenants, uptime_probe.PROBERS)
                floor = (time.perf_counter() - t, time.process_time() - c)
                t = time.perf_counter()
                bare_logins(params, databases, args.tenants, uptime_probe.PROBERS, credentials)
                logins = time.perf_counter() - t
                t, c = time.perf_counter(), time.process_time()
                env["saas.instance"]._cron_uptime_probe()
                cr.commit()
                ours = (time.perf_counter() - t, time.process_time() - c)
                rounds.append((ours, floor, logins))
            env.invalidate_all()
            up = instances.filtered(lambda i: i.probe_failures == 0)
            rows = env["saas.instance.uptime"].search_count([("instance_id", "in", instances.ids)])
            print(f"uptime sweep over {args.tenants} tenants: {len(up)} up after 3 rounds, "
                  f"{rows} hourly rows (floor answers: {sorted(set(codes))})")
            for (o_wall, o_cpu), (f_wall, f_cpu), logins in rounds:
                print(f"  ours: {o_wall:6.2f} s wall, {o_cpu:5.2f} s CPU   "
                      f"floor (bare GETs): {f_wall:6.2f} s wall, {f_cpu:5.2f} s CPU   "
                      f"bare tenant logins: {logins:6.2f} s   "
                      f"ratio to GETs {o_wall / f_wall:4.2f}x, to GETs + logins "
                      f"{o_wall / (f_wall + logins):4.2f}x   "
                      f"{o_wall / args.tenants * 1000:5.1f} ms per tenant")
            print("  budget: 30 s of one worker every 5 minutes")
        server_proc.stop()
        log = server_proc.log_path.read_text(errors="replace")
        loaded = [m for m in re.findall(r" (\S+) odoo\.modules\.registry: Registry loaded", log)
                  if routing.is_tenant_db(m)]
        conn = psycopg2.connect(dbname="postgres", **params)
        with conn.cursor() as cr:
            cr.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = ANY(%s)",
                       [[credentials.tenant_role_name(n) for n in databases]])
            left = cr.fetchone()[0]
        conn.close()
        print(f"tenant registries loaded by the server: {len(loaded)}; "
              f"tenant sessions left open: {left}")
    finally:
        server_proc.stop()
        if not args.keep:
            Registry.delete_all()
            devtool.drop_prefixed(PREFIX)


if __name__ == "__main__":
    main()
