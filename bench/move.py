#!/usr/bin/env python3
"""Benchmark: moving a tenant between the two PostgreSQL clusters of the
setup, against the bare copy of the same database.

Run with Odoo's venv:  ./dev python bench/move.py [-n 3] [--rows 20000]

Starts an Odoo server (threaded, with the queue_job runner) on a master
database of its own, builds a template (base,web,portal), provisions one
tenant on the first cluster and gives it ``--rows`` partners, then N times
(alternating directions):
  * floor: ``pg_dump -Fc -Z0 | pg_restore --no-owner`` of the tenant's
    database into a scratch database on the other cluster, as the admin
    role (the same options as the move's copy);
  * ours: the move job (role and empty database on the target, the copy as
    the tenant's role, the settings, the check, the route switch behind the
    maintenance page, the old copy dropped): queue_job's execution time,
    and the customer's downtime (the maintenance page's length, from the
    instance's log).
Prints the figures side by side; everything it creates is dropped.
"""
import argparse
import contextlib
import base64
import hashlib
import hmac
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from odoo_server import (OdooServer, devtool, provision_tenants,  # noqa: E402
                         setup_control_plane, terminate_tenants)

PREFIX = "saas_bench_move_"
GOAL = 1.3


def pg(port, dbname="postgres"):
    conn = psycopg2.connect(host="127.0.0.1", port=port, user=devtool.PG_USER,
                            password=devtool.PG_PASSWORD, dbname=dbname)
    conn.autocommit = True
    return conn


def tenant_login(dbname, port):
    """A connection logged in as the tenant's role (its password derived as
    saas_router.credentials does, from the checkout's secret)."""
    digest = hmac.new(devtool.tenant_role_secret().encode(), b"saas-tenant-role:" +
                      dbname.encode(), hashlib.sha256).digest()
    password = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    conn = psycopg2.connect(host="127.0.0.1", port=port, user=dbname,
                            password=password, dbname=dbname)
    conn.autocommit = True
    return conn


def floor_copy(dbname, source_port, target_port):
    scratch = dbname + "_floor"
    with contextlib.closing(pg(target_port)) as conn, conn.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        cr.execute(f'CREATE DATABASE "{scratch}" ENCODING \'unicode\' LC_COLLATE \'C\' '
                   'TEMPLATE template0')
    env = devtool.pg_env(source_port)
    started = time.perf_counter()
    dump = subprocess.Popen(["pg_dump", "--format=custom", "--compress=0", "--no-owner",
                             "--no-privileges", "--exclude-schema=saas_control", "-d", dbname],
                            stdout=subprocess.PIPE, env=env)
    subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                    "--single-transaction", "-d", scratch], stdin=dump.stdout, check=True,
                   env=devtool.pg_env(target_port))
    dump.stdout.close()
    assert dump.wait() == 0
    seconds = time.perf_counter() - started
    with contextlib.closing(pg(target_port)) as conn, conn.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    return seconds


def move(rpc, instance_id, server_id):
    wizard = rpc("saas.instance.move", "create", {"instance_id": instance_id,
                                                  "server_id": server_id})
    rpc("saas.instance.move", "action_move", [wizard])
    deadline = time.time() + 600
    while time.time() < deadline:
        row = rpc("saas.instance", "read", [instance_id], ["server_id", "move_server_id"])[0]
        if row["server_id"][0] == server_id and not row["move_server_id"]:
            break
        time.sleep(0.2)
    else:
        raise RuntimeError("the move did not finish")
    job = rpc("queue.job", "search_read", [("identity_key", "=", f"saas_move_{instance_id}"),
                                           ("state", "=", "done")], ["exec_time"],
              order="id desc", limit=1)
    while not job:
        time.sleep(0.2)
        job = rpc("queue.job", "search_read", [("identity_key", "=", f"saas_move_{instance_id}"),
                                               ("state", "=", "done")], ["exec_time"],
                  order="id desc", limit=1)
    logs = rpc("saas.instance.log", "search_read",
               [("instance_id", "=", instance_id), ("operation", "=", "move"),
                ("step", "=", "maintenance")], ["create_date", "duration_ms"],
               order="id desc", limit=2)
    return job[0]["exec_time"], logs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=3)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--master", help="reuse this master database (with --conf): its "
                        "built template saves the build (e.g. tests/test_e2e_servers.py's)")
    parser.add_argument("--conf", help="the Odoo configuration of --master")
    args = parser.parse_args()
    if args.master:
        master, conf = args.master, args.conf
    else:
        devtool.drop_prefixed(PREFIX)
        master = PREFIX + "master"
        conf = devtool.write_config(db_name=master, path=devtool.RUN_DIR / "bench-move.conf",
                                    prefix=PREFIX, template_owner=PREFIX + "tpl_owner")
    srv = OdooServer(master, conf=conf, channels="root:2")
    srv.install("saas_provisioning")
    srv.start()
    tenants = {}
    try:
        rpc = srv.rpc()
        first, _template, plan = setup_control_plane(rpc, srv.url)
        second = (rpc("saas.server", "search", [("name", "=", "Second PostgreSQL")]) or [None])[0]
        if second:
            rpc("saas.server", "write", [second], {"odoo_url": srv.url})
        else:
            second = rpc("saas.server", "create", dict(
                name="Second PostgreSQL", host="127.0.0.1", port=devtool.PG_PORT2,
                db_user=devtool.PG_USER, db_password=devtool.PG_PASSWORD, odoo_url=srv.url,
                max_instances=1000))
        info = provision_tenants(rpc, plan, ["bench-move"], "Bench-move-1", tenants)
        dbname = info["bench-move"]["database_name"]
        instance_id = tenants["bench-move"]
        with contextlib.closing(tenant_login(dbname, devtool.PG_PORT)) as conn, \
                conn.cursor() as cr:
            # rows of a real tenant's size, written as the tenant's role
            cr.execute("""INSERT INTO res_partner (name, complete_name, active, type, lang,
                                                   create_date, write_date)
                          SELECT 'bench ' || g, 'bench ' || g, true, 'contact', 'en_US',
                                 now(), now() FROM generate_series(1, %s) g""", [args.rows])
        size = pg(devtool.PG_PORT).cursor()
        size.execute("SELECT pg_database_size(%s)", [dbname])
        print(f"tenant {dbname}: {size.fetchone()[0] / 2**20:.1f} MB, "
              f"{args.rows} partners added", flush=True)
        servers = [(first, devtool.PG_PORT), (second, devtool.PG_PORT2)]
        floors, ours = [], []
        for i in range(args.n):
            src_port, (dst, dst_port) = servers[i % 2][1], servers[(i + 1) % 2]
            floors.append(floor_copy(dbname, src_port, dst_port))
            seconds, _logs = move(rpc, instance_id, dst)
            ours.append(seconds)
            print(f"round {i + 1}: pg_dump | pg_restore {floors[-1]:.2f}s   "
                  f"move job {ours[-1]:.2f}s   ({ours[-1] / floors[-1]:.2f}x)", flush=True)
        floor, our = statistics.median(floors), statistics.median(ours)
        print(f"\nmedian of {args.n}:  pg_dump | pg_restore (floor) {floor:.2f}s   "
              f"move {our:.2f}s   ratio {our / floor:.2f}x (goal <= {GOAL}x)")
    finally:
        try:
            terminate_tenants(srv.rpc(), tenants)
        finally:
            srv.stop()
            if not args.master:
                devtool.drop_prefixed(PREFIX)


if __name__ == "__main__":
    main()
