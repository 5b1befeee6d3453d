#!/usr/bin/env python3
"""Benchmark: what a session that logs in as the tenant's role costs over
the session it replaced (the master's login with ``-c role=<tenant>``).

Run with Odoo's venv:  ./dev python bench/tenant_login.py [-n 200]

Each sample opens a connection, runs one query and closes it, serially, on
a scratch database owned by a role of its own (SCRAM-SHA-256, 4096
iterations: PostgreSQL's default, the verifier saas_router stores).  Prints
p50/p95 of both and the difference; asserts nothing.  Everything it creates
is dropped.
"""
import argparse
import os
import statistics
import time

import psycopg2
from psycopg2 import sql

PG = {"host": "127.0.0.1", "port": int(os.environ.get("SAAS_PG_PORT", "5433")),
      "user": "saas", "password": "saas"}
NAME = "saas_bench_login_t"
PASSWORD = "bench-login-password-0123456789abcdef"


def admin(query, dbname="postgres"):
    conn = psycopg2.connect(dbname=dbname, **PG)
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(query)
    finally:
        conn.close()


def sample(params, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn = psycopg2.connect(**params)
        with conn.cursor() as cr:
            cr.execute("SELECT count(*) FROM pg_class")
            cr.fetchone()
        conn.close()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def old_way():
    """The construction this replaced (the master, then SET ROLE): the floor."""
    return dict(PG, dbname=NAME, options=f"-c role={NAME}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args()
    ident = sql.Identifier(NAME)
    admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
    admin(sql.SQL("DROP ROLE IF EXISTS {}").format(ident))
    admin(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(ident, sql.Literal(PASSWORD)))
    admin(sql.SQL("GRANT {} TO CURRENT_USER").format(ident))
    admin(sql.SQL("CREATE DATABASE {} OWNER {}").format(ident, ident))
    try:
        tenant = dict(PG, dbname=NAME, user=NAME, password=PASSWORD)
        sample(tenant, 10), sample(old_way(), 10)  # warm up
        ours, floor = [], []
        for _ in range(4):  # interleaved, so both see the same machine
            floor += sample(old_way(), args.n // 4)
            ours += sample(tenant, args.n // 4)

        def p(values, q):
            return statistics.quantiles(values, n=100)[q - 1]

        print(f"connect + 1 query + close, {len(ours)} each, serial:")
        print(f"  floor: master login with -c role  p50 {p(floor, 50):6.2f} ms  "
              f"p95 {p(floor, 95):6.2f} ms")
        print(f"  ours : tenant role's own login    p50 {p(ours, 50):6.2f} ms  "
              f"p95 {p(ours, 95):6.2f} ms")
        print(f"  added by the tenant login: p50 {p(ours, 50) - p(floor, 50):+.2f} ms")
    finally:
        admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        admin(sql.SQL("DROP ROLE IF EXISTS {}").format(ident))


if __name__ == "__main__":
    main()
