#!/usr/bin/env python3
"""Benchmark: the cron dispatcher over many idle tenants, and the few due.

Run with Odoo's venv:  ./dev python bench/cron_dispatch.py [-n 200] [--due 3] [--json]

Builds a `saas_tenant` template the way saas_provisioning does (objects owned by the
template owner role, settings table ours), clones N tenants, each owned by
its own LOGIN role (so the router would serve it), with every cron's next
call a day away; then, in this process, with saas_router's patches:
  * first pass: the schedule of every tenant is read (one short connection
    as its role each, crons.SCHEDULE_READERS at a time), nothing is due, no
    registry is loaded;
  * next pass: no tenant is read, nothing loaded;
  * D tenants get a cron due now: one pass runs exactly those (their cron's
    lastcall is set) and loads exactly their D registries.
Floors beside it: one bare connection + the same query to every tenant (what
a dispatcher without a schedule pays at each pass), serial and with the same
number of threads as the first pass.  Prints the figures
(--json: one JSON object, used by tests/test_e2e_crons.py).  Everything it
creates is dropped unless --keep.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import devtool  # noqa: E402

PREFIX = os.environ.get("SAAS_BENCH_PREFIX", "saas_bcron_")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", "--tenants", type=int, default=200)
    parser.add_argument("--due", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    say = (lambda *a: None) if args.json else print

    conf = devtool.write_config(db_name=PREFIX + "master", path=devtool.RUN_DIR / "bench-cron.conf",
                                prefix=PREFIX)
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", str(conf), "--log-level=warn"])
    odoo.modules.module.initialize_sys_path()
    from odoo import sql_db  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415

    import odoo.addons.saas_router  # noqa: F401,PLC0415 (installs the patches)
    from odoo.addons.saas_provisioning.adapters import TenantDatabase  # noqa: PLC0415
    from odoo.addons.saas_router import credentials, crons  # noqa: PLC0415
    from tenant_clones import build_base_template, clone_tenants  # noqa: PLC0415

    devtool.drop_prefixed(PREFIX)
    params = {"host": "127.0.0.1", "port": devtool.PG_PORT, "user": devtool.PG_USER,
              "password": devtool.PG_PASSWORD}
    tpl = PREFIX + "tpl_tenant"
    figures = {"tenants": args.tenants, "due": args.due}
    try:
        def idle(cr):  # no job due for a day (the install leaves triggers due soon)
            cr.execute("UPDATE public.ir_cron SET nextcall = now() AT TIME ZONE 'UTC' "
                       "+ interval '1 day'")
            cr.execute("DELETE FROM public.ir_cron_trigger")

        figures["template_build_s"] = build_base_template(params, tpl, adjust=idle)
        say(f"template {tpl} built in {figures['template_build_s']:.1f} s")
        tenants, figures["clone_s"] = clone_tenants(
            params, tpl, [f"cron{i:03d}" for i in range(args.tenants)])
        figures["tenants"] = tenants  # their names are opaque: the due ones come first
        say(f"{args.tenants} tenants cloned in {figures['clone_s']:.1f} s")

        schedule = crons.SCHEDULE  # the one the wrapped _process_jobs refreshes
        processed = []

        def one_pass(notified=()):
            t = time.perf_counter()
            reads = schedule.reads
            done = crons.dispatch_once(Registry.registries, notified, schedule,
                                       process=lambda db: (processed.append(db),
                                                           crons.process_jobs(db)))
            return time.perf_counter() - t, schedule.reads - reads, done

        master = config["db_name"]
        config["db_name"] = ""  # no master database in this benchmark
        figures["first_pass_s"], figures["first_pass_reads"], first = one_pass()
        figures["first_pass_processed"] = first
        figures["next_pass_s"], figures["next_pass_reads"], second = one_pass()
        figures["next_pass_processed"] = second
        figures["registries_after_idle_passes"] = list(Registry.registries.d)
        say(f"first pass over {args.tenants} idle tenants: {figures['first_pass_s']:.2f} s, "
            f"{figures['first_pass_reads']} schedule reads, {len(first)} processed")
        say(f"next pass: {figures['next_pass_s'] * 1000:.1f} ms, "
            f"{figures['next_pass_reads']} reads, {len(second)} processed")

        # the floors: one bare connection + the same query to every tenant
        # (what a dispatcher that asks every tenant at each pass pays), one
        # at a time, and with as many at once as the schedule reads
        import concurrent.futures  # noqa: PLC0415

        import psycopg2  # noqa: PLC0415

        def ask(name):
            _db, info = sql_db.connection_info_for(name)
            conn = psycopg2.connect(connect_timeout=5, **info)
            with conn.cursor() as cr:
                cr.execute(crons.NEXT_DUE_SQL, [crons.contract.TABLE])
                cr.fetchone()
            conn.close()

        t = time.perf_counter()
        for name in tenants:
            ask(name)
        figures["floor_ask_every_tenant_s"] = time.perf_counter() - t
        readers = crons.SCHEDULE_READERS
        t = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(readers) as pool:
            list(pool.map(ask, tenants))
        figures["floor_ask_every_tenant_concurrent_s"] = time.perf_counter() - t
        figures["schedule_readers"] = readers
        say(f"floor, a bare connection + query to each tenant: "
            f"{figures['floor_ask_every_tenant_s']:.2f} s one at a time, "
            f"{figures['floor_ask_every_tenant_concurrent_s']:.2f} s {readers} at a time "
            f"(our first pass above: {figures['first_pass_s']:.2f} s, {readers} at a time)")
        try:
            load = os.getloadavg()
            figures["load_average"] = load
            say(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
                f"({os.cpu_count()} cores)")
        except OSError:
            pass

        # some tenants get a job due now; Odoo notifies cron_trigger with their name
        due = tenants[: args.due]
        for name in due:
            with TenantDatabase(params, name, tenant_credentials=(
                    credentials.tenant_role_name(name),
                    credentials.tenant_role_password(credentials.tenant_role_name(name))
            ))._transaction(as_tenant=True) as cr:
                cr.execute("UPDATE public.ir_cron SET nextcall = now() AT TIME ZONE 'UTC' "
                           "- interval '1 minute' WHERE id = (SELECT min(id) FROM public.ir_cron "
                           "WHERE active)")
        processed.clear()
        figures["due_pass_s"], figures["due_pass_reads"], done = one_pass(notified=due)
        figures["due_pass_processed"] = done
        figures["registries_after_due_pass"] = sorted(Registry.registries.d)
        ran = {}
        for name in due:
            with sql_db.db_connect(name).cursor() as cr:
                cr.execute("SELECT count(*) FROM ir_cron WHERE lastcall > "
                           "now() AT TIME ZONE 'UTC' - interval '10 minutes'")
                ran[name] = cr.fetchone()[0]
        figures["due_crons_ran"] = ran
        say(f"pass with {args.due} due: {figures['due_pass_s']:.2f} s, processed {done}, "
            f"{len(figures['registries_after_due_pass'])} registries loaded, "
            f"jobs run per due tenant {ran}")
        config["db_name"] = master
    finally:
        Registry.delete_all()
        sql_db.close_all()
        if not args.keep:
            devtool.drop_prefixed(PREFIX)
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
