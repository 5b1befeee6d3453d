#!/usr/bin/env python3
"""Benchmark: the master's usage sweep over many tenants.

Run with Odoo's venv:  ./dev python bench/usage_sweep.py [-n 200] [--keep]

Builds a `saas_tenant` template the way saas_provisioning does, clones N tenants
(each owned by its own LOGIN role), installs saas_provisioning in a master
of its own with one server and N active instances, then runs the sweep
(`saas.instance._cron_usage_sweep`): per tenant one session as its role
(internal users with row_security off, module states), the filestore size,
the master's storage figures written into the tenant's settings, the module
check and the plan's limits.  The floor beside it: one bare connection as
each tenant's role and the same count query, one tenant after the other
(what any sweep that asks every tenant pays).  Everything it creates is
dropped unless --keep.  Asserts nothing.
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import devtool  # noqa: E402

PREFIX = os.environ.get("SAAS_BENCH_PREFIX", "saas_busage_")
COUNT = """SELECT count(*) FROM res_users u WHERE u.active AND u.id <> 1 AND NOT u.share"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", "--tenants", type=int, default=200)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--profile", action="store_true",
                        help="print the costliest functions of one more sweep")
    args = parser.parse_args()
    master = PREFIX + "master"
    conf = devtool.write_config(db_name=master, path=devtool.RUN_DIR / "bench-usage.conf",
                                prefix=PREFIX)
    devtool.drop_prefixed(PREFIX)
    t0 = time.perf_counter()
    subprocess.run([devtool.python(), devtool.odoo_launcher(), "-c", str(conf), "-d", master,
                    "-i", "saas_provisioning", "--stop-after-init", "--no-http",
                    "--log-level=warn", "--without-demo=all"], check=True)
    print(f"master installed in {time.perf_counter() - t0:.1f} s")

    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", str(conf), "-d", master, "--log-level=warn"])
    odoo.modules.module.initialize_sys_path()
    import psycopg2  # noqa: PLC0415

    from odoo import SUPERUSER_ID, api, sql_db  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415

    import odoo.addons.saas_router  # noqa: F401,PLC0415 (installs the patches)
    from odoo.addons.saas_provisioning.adapters import PgAdmin  # noqa: PLC0415
    from odoo.addons.saas_router import credentials  # noqa: PLC0415
    from tenant_clones import build_base_template, clone_tenants  # noqa: PLC0415

    params = {"host": "127.0.0.1", "port": devtool.PG_PORT, "user": devtool.PG_USER,
              "password": devtool.PG_PASSWORD}
    pg = PgAdmin(params)
    tpl = PREFIX + "tpl_tenant"
    names = []
    try:
        print(f"template {tpl} built in {build_base_template(params, tpl):.1f} s")
        subs = [f"use{i:03d}" for i in range(args.tenants)]
        names, seconds = clone_tenants(params, tpl, subs)
        print(f"{args.tenants} tenants cloned in {seconds:.1f} s")

        registry = Registry(master)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            server = env["saas.server"].create(dict(
                name="bench", host=params["host"], port=params["port"], db_user=params["user"],
                db_password=params["password"], max_instances=100000,
                filestore_root=str(Path(config["data_dir"]) / "filestore")))
            plan = env["saas.plan"].create({"name": "bench", "max_users": 5})
            partner = env["res.partner"].create({"name": "bench"})
            # existing tenants, imported with their databases' names
            instances = env["saas.instance"]._create_state_machine([
                {"name": sub, "subdomain": sub, "partner_id": partner.id, "plan_id": plan.id,
                 "server_id": server.id, "database_name": name, "state": "active"}
                for sub, name in zip(subs, names, strict=True)])
            cr.commit()

            def floor():
                for name in names:
                    role = credentials.tenant_role_name(name)
                    conn = psycopg2.connect(dbname=name, user=role,
                                            password=credentials.tenant_role_password(role),
                                            host=params["host"], port=params["port"])
                    with conn.cursor() as tcr:
                        tcr.execute(COUNT)
                        tcr.fetchone()
                    conn.close()

            rounds = []
            for _ in range(3):  # interleaved: a busy machine weighs on both alike
                t = time.perf_counter()
                floor()
                t_floor = time.perf_counter() - t
                t = time.perf_counter()
                env["saas.instance"]._cron_usage_sweep()
                cr.commit()
                rounds.append((time.perf_counter() - t, t_floor))
            measured = instances.filtered(lambda i: i.usage_date and i.user_count == 1)
            print(f"usage sweep over {args.tenants} tenants ({len(measured)} measured), "
                  "3 rounds:")
            for sweep, bare in rounds:
                print(f"  ours: {sweep:6.2f} s   floor (a bare login + count each): "
                      f"{bare:6.2f} s   ratio {sweep / bare:4.2f}x   "
                      f"{sweep / args.tenants * 1000:5.1f} ms per tenant")
            if args.profile:
                import cProfile  # noqa: PLC0415
                import pstats  # noqa: PLC0415

                profile = cProfile.Profile()
                profile.runcall(env["saas.instance"]._cron_usage_sweep)
                cr.commit()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    finally:
        Registry.delete_all()
        sql_db.close_all()
        if not args.keep:
            devtool.drop_prefixed(PREFIX)
            for name in names:
                try:
                    pg.drop_role(credentials.tenant_role_name(name))
                except Exception:  # noqa: BLE001 (a bench cleans what it can)
                    pass


if __name__ == "__main__":
    main()
