#!/usr/bin/env python3
"""Benchmark: one pass of the watchdog (adapters/watchdog.py) over N tenant roles.

Run with Odoo's venv:  ./dev python bench/watchdog.py [-n 500] [--sessions 20]

Makes N LOGIN roles (no databases: their sessions sit in `postgres`), opens
S sessions of S of them in pg_sleep, then times
  * a pass over the N roles where nothing overruns (the cron's usual minute),
  * a pass that ends the S sessions (``now`` put past their limit: computed,
    not waited for),
beside the floor: one connection and one plain `SELECT ... FROM
pg_stat_activity` (what any pass must at least pay).  Prints the figures and
asserts nothing; every role it made is dropped.
"""
import argparse
import datetime
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import psycopg2

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import devtool  # noqa: E402
from plainimport import load_package  # noqa: E402

PREFIX = os.environ.get("SAAS_BENCH_PREFIX", "saas_bwd_")
ad = load_package("_saas_adapters_bench", REPO / "saas_provisioning" / "adapters")


def timed(fn, repeat=5):
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", "--roles", type=int, default=500)
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args()
    params = {"host": "127.0.0.1", "port": devtool.PG_PORT, "user": devtool.PG_USER,
              "password": devtool.PG_PASSWORD}
    pg = ad.PgAdmin(params)
    run = uuid.uuid4().hex[:6]
    roles = [f"{PREFIX}{run}_{i}" for i in range(args.roles)]
    password = uuid.uuid4().hex
    sessions = []
    try:
        t0 = time.perf_counter()
        for role in roles:
            pg.ensure_role(role, password, login=True)
        print(f"{len(roles)} roles made in {time.perf_counter() - t0:.1f}s")
        for role in roles[:args.sessions]:
            conn = psycopg2.connect(dbname="postgres", host=params["host"], port=params["port"],
                                    user=role, password=password, async_=True)
            while conn.poll() != psycopg2.extensions.POLL_OK:
                time.sleep(0.01)
            conn.cursor().execute("SELECT pg_sleep(600)")
            sessions.append(conn)
        time.sleep(0.2)
        limits = {role: 60 for role in roles}

        def floor():
            conn = psycopg2.connect(dbname="postgres", **params)
            try:
                with conn.cursor() as cr:
                    cr.execute("SELECT pid, usename, state, xact_start FROM pg_stat_activity")
                    return len(cr.fetchall())
            finally:
                conn.close()

        floor_s, _ = timed(floor)
        idle_s, ended = timed(lambda: ad.watchdog.end_overrunning(params, limits))
        assert ended == [], ended
        later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        t0 = time.perf_counter()
        ended = ad.watchdog.end_overrunning(params, limits, now=later)
        end_s = time.perf_counter() - t0
        print(f"pass over {len(roles)} roles, nothing to end: {idle_s * 1000:.1f} ms "
              f"(floor, one connection + one read of pg_stat_activity: {floor_s * 1000:.1f} ms)")
        print(f"pass ending {len(ended)} of {len(sessions)} sessions: {end_s * 1000:.1f} ms "
              f"(floor {floor_s * 1000:.1f} ms)")
    finally:
        for conn in sessions:
            conn.close()
        for role in roles:
            if pg.role_exists(role):
                pg.set_login(role, False)
        conn = psycopg2.connect(dbname="postgres", **params)
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                       "WHERE usename = ANY(%s)", [roles])
        conn.close()
        for role in roles:
            pg.drop_role(role)


if __name__ == "__main__":
    main()
