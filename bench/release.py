#!/usr/bin/env python3
"""Benchmark: update rehearsal and promotion of a small tenant, with the
bare `odoo -u all` floor beside them in the same run.

Run with Odoo's venv:  ./dev python bench/release.py [--keep]

A master with saas_release (processes of release v1, tests/release_addons/v1
on their path) and the processes of release v2 (tests/release_addons/v2,
their own [saas_router] app_server); one tenant of base,web,saas_demo_notes.
  * floor: a copy of the tenant's database (CREATE DATABASE ... TEMPLATE)
    and a bare `odoo -u all --stop-after-init` on it with v2's code (the
    update time alone, as the master's role, no saas_router);
  * rehearsal (ours): the whole job (backup, restore into a scratch
    database as the tenant's role, neutralisation, update, smoke checks with
    each cron run once, drop), goal <= 1.5x the floor;
  * promotion (ours): the customer's downtime seen from outside, from the
    first maintenance page (503 on v1's processes) to the first login page
    served by v2's processes (polled every 50 ms), goal <= floor + 2 s.
Prints the figures side by side; asserts nothing.  Everything is dropped.
"""
import argparse
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from odoo_server import devtool, pg_master, provision_tenants, setup_control_plane, wait_for  # noqa: E402
from test_e2e_release import ADDONS, ReleaseServer, base_addons_path  # noqa: E402

PREFIX = "saas_bench_rel_"
PASSWORD = "Bench-Release-Pw-1"


def bench_config():
    return devtool.write_config(db_name=f"{PREFIX}master", path=devtool.RUN_DIR / "bench-release.conf",
                                prefix=PREFIX, template_owner=PREFIX + "tpl_owner")


def bare_update(conf, source, addons):
    """The floor: a copy of ``source`` and `odoo -u all` on it (timed alone)."""
    copy = f"{PREFIX}floor"
    devtool.drop_prefixed(copy)
    conn = pg_master()
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                       [source])
            cr.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
    finally:
        conn.close()
    t0 = time.perf_counter()
    subprocess.run([devtool.python(), devtool.odoo_launcher(), "-c", str(conf), "-d", copy,
                    "--addons-path", addons, "--load", "base,web", "-u", "all",
                    "--stop-after-init", "--log-level=warn", "--no-http"], check=True)
    elapsed = time.perf_counter() - t0
    devtool.drop_prefixed(copy)
    return elapsed


def watch_downtime(master_url, v2_url, host, stop):
    """(first 503 on v1's processes, first 200 from v2's after it)."""
    marks = {}
    while not stop.is_set():
        now = time.perf_counter()
        if "down" not in marks:
            try:
                if requests.get(master_url + "/web/login", headers={"Host": host},
                                timeout=10).status_code == 503:
                    marks["down"] = now
            except requests.RequestException:
                pass
        else:
            try:
                if requests.get(v2_url + "/web/login", headers={"Host": host},
                                timeout=30).status_code == 200:
                    marks["up"] = time.perf_counter()
                    return marks
            except requests.RequestException:
                pass
        time.sleep(0.05)
    return marks


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    devtool.drop_prefixed(PREFIX)
    conf = bench_config()
    master = ReleaseServer(f"{PREFIX}master", "v1", conf=conf,
                           channels="root:4,root.saas_clone:2,root.saas_release:1")
    master.install("saas_release")
    master.start()
    v2 = ReleaseServer(f"{PREFIX}master", "v2", conf=conf, app_server=True,
                       load="base,web,saas_router",
                       log_path=master.log_path.with_name("bench-rel-v2.log"))
    v2.start()
    try:
        rpc = master.rpc()
        storage = rpc("saas.backup.storage", "create", {
            "name": "Bench", "kind": "local", "local_path": str(devtool.RUN_DIR / "bench-rel-bk")})
        rpc("ir.config_parameter", "set_param", "saas_backup.storage_id", str(storage))
        rpc("ir.config_parameter", "set_param", "saas_backup.require_before_terminate", "False")
        v2_addons = f"{base_addons_path(conf)},{ADDONS / 'v2'}"
        release = rpc("saas.release", "create", {"name": "v2", "addons_path": v2_addons,
                                                  "app_server": f"127.0.0.1:{v2.port}"})
        _s, _t, plan_id = setup_control_plane(rpc, master.url, "base,web,saas_demo_notes",
                                              "Release bench")
        tenants = {}
        info = provision_tenants(rpc, plan_id, ["bench"], PASSWORD, tenants, timeout=900)["bench"]
        instance_id = tenants["bench"]
        host = f"bench.localhost:{master.url.rsplit(':', 1)[1]}"
        floor = bare_update(conf, info["database_name"], v2_addons)
        print(f"floor: bare `odoo -u all` on a copy (v2's code): {floor:.1f}s")

        rpc("saas.instance", "action_rehearse", [instance_id], release)
        rid = wait_for(lambda: rpc("saas.release.rehearsal", "search",
                                   [("instance_id", "=", instance_id),
                                    ("state", "!=", "running")]), 900, interval=0.5)
        rehearsal = rpc("saas.release.rehearsal", "read", rid, [])[0]
        print(f"rehearsal (ours): {rehearsal['duration']:.1f}s, {rehearsal['state']} "
              f"(update inside it {rehearsal['update_seconds']:.1f}s); "
              f"ratio {rehearsal['duration'] / floor:.2f}x (goal <= 1.5x)")

        stop = threading.Event()
        marks = {}
        watcher = threading.Thread(target=lambda: marks.update(
            watch_downtime(master.url, v2.url, host, stop)))
        watcher.start()
        rpc("saas.instance", "action_promote", [instance_id], release)
        uid = wait_for(lambda: rpc("saas.release.update", "search",
                                   [("instance_id", "=", instance_id),
                                    ("state", "not in", ("pending", "running", "recovering"))]),
                       900, interval=0.5)
        watcher.join(120)
        stop.set()
        update = rpc("saas.release.update", "read", uid, [])[0]
        seen = marks.get("up", 0) - marks.get("down", 0) if "up" in marks else float("nan")
        print(f"promotion (ours): {update['state']}; downtime seen from outside {seen:.2f}s "
              f"(503 on v1 -> 200 on v2), recorded {update['downtime']:.2f}s, update inside it "
              f"{update['update_seconds']:.1f}s")
        print(f"  vs floor {floor:.1f}s: +{seen - floor:.2f}s (goal <= +2 s)")
        print("\n| what | floor (bare odoo -u all) | ours | goal |\n|---|---|---|---|")
        print(f"| rehearsal | {floor:.1f}s | {rehearsal['duration']:.1f}s "
              f"({rehearsal['duration'] / floor:.2f}x) | <= 1.5x |")
        print(f"| promotion downtime | {floor:.1f}s | {seen:.2f}s (+{seen - floor:.2f}s) "
              f"| <= +2 s |")
    finally:
        v2.stop()
        master.stop()
        if not args.keep:
            devtool.drop_prefixed(PREFIX)


if __name__ == "__main__":
    main()
