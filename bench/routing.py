#!/usr/bin/env python3
"""Benchmark: what the router's host -> database map costs per request.

Run with Odoo's venv:  ./dev python bench/routing.py [-n 2000] [--routes 5000]

On a master database of its own (saas_router installed), with ``--routes``
rows in the map, prints per call:
  * floor: a pooled cursor + ``SELECT 1`` on the master (what any query costs);
  * ours, per request: the version check (cursor + one-row read, map cached);
  * a lookup from the cached map (no query), of a served host and of a
    suspended one (every tenth route is suspended), and the router's own
    refusal page built for it (no database opened);
  * a full reload of the map after a change.
Asserts nothing; drops its database.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import devtool  # noqa: E402

PREFIX = os.environ.get("SAAS_BENCH_PREFIX", "saas_bench_")


def per_call_us(func, n):
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        func()
        samples.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(samples), sorted(samples)[int(0.95 * (n - 1))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--routes", type=int, default=5000)
    args = parser.parse_args()
    db = PREFIX + "routing"
    conf = devtool.write_config(db_name=db, path=devtool.RUN_DIR / "bench-routing.conf",
                                prefix=PREFIX)
    devtool.drop_prefixed(db)
    subprocess.run([devtool.python(), devtool.odoo_launcher(), "-c", str(conf), "-d", db,
                    "-i", "saas_router", "--stop-after-init", "--no-http", "--log-level=warn",
                    "--without-demo=all"], check=True)
    try:
        from odoo import sql_db  # noqa: PLC0415
        from odoo.tools import config  # noqa: PLC0415

        config.parse_config(["-c", str(conf), "-d", db])
        from odoo.addons.saas_router import routing  # noqa: PLC0415

        routes = [{"host": f"t{i}.localhost", "database_name": f"{PREFIX}t_t{i}",
                   "state": routing.SUSPENDED if i % 10 == 3 else routing.SERVED}
                  for i in range(args.routes)]
        routing.publish_routes(db, 1, routes)
        routing.route_map.refresh(force=True)

        def raw_version():
            with sql_db.db_connect(db).cursor() as cr:
                cr.execute("SELECT version FROM saas_route_version WHERE id = 1")
                cr.fetchone()

        def floor():
            with sql_db.db_connect(db).cursor() as cr:
                cr.execute("SELECT 1")
                cr.fetchone()

        print(f"map of {args.routes} routes, {args.n} calls each (median / p95, microseconds)")
        import threading  # noqa: PLC0415

        from odoo.addons.saas_router import notice  # noqa: PLC0415

        def lookup():  # within one request: the version was checked at its start
            threading.current_thread().perf_t0 = 1.0
            assert routing.classify("t42.localhost:8069")[0] == "tenant"

        def suspended():
            threading.current_thread().perf_t0 = 1.0
            kind, route = routing.classify("t43.localhost:8069")
            assert kind == routing.SUSPENDED
            notice.refusal(kind, {"PATH_INFO": "/web/login"}, route.account_url)

        figures = [
            ("floor: pooled cursor + SELECT 1", floor),
            ("ours: version check per request", lambda: routing.route_map.refresh(force=True)),
            ("  the same query without the router", raw_version),
            ("ours: lookup in the cached map", lookup),
            ("ours: suspended host: lookup + 403 page", suspended),
        ]
        # interleaved, so that a busy machine weighs on every figure alike
        samples = {label: [] for label, _func in figures}
        for _ in range(args.n):
            for label, func in figures:
                t0 = time.perf_counter()
                func()
                samples[label].append((time.perf_counter() - t0) * 1e6)
        for label, _func in figures:
            values = sorted(samples[label])
            print(f"  {label:40s} {statistics.median(values):8.1f} / "
                  f"{values[int(0.95 * (len(values) - 1))]:8.1f}")

        def reload():
            routing.publish_routes(db, 2, [{"host": "x.localhost", "database_name": "x"}])
            routing.route_map.refresh(force=True)
        med, p95 = per_call_us(reload, 20)
        print(f"  {'ours: change + full reload of the map':40s} {med:8.1f} / {p95:8.1f}")
        sql_db.close_all()
    finally:
        devtool.drop_prefixed(db)


if __name__ == "__main__":
    main()
