#!/usr/bin/env python3
"""Benchmark: request -> tenant login page 200, through the real server.

Run with Odoo's venv:  ./dev python bench/provision.py [-n 10] [--burst 20] [--account]

Starts an Odoo server (threaded, with the queue_job runner) on a master
database of its own, builds the templates, then:
  * sequential: N tenants, one after the other; for each, the time from the
    provisioning request (XML-RPC) to the tenant's /web/login answering 200,
    and each pipeline step's share (from the instance's operation log);
  * the same N on a template with account (--account);
  * a fresh `odoo -i` of the same modules + its first login page, for the ratio;
  * the same N from the warm pool (--pool S: S clones kept ready, set as an
    administrator does, in the settings; each request waits for a full pool);
  * a burst: B requests at once, clone channel capacity 2, no pool; all
    ready? wall time.
Prints the figures; asserts nothing.  Everything it creates is dropped.
"""
import argparse
import importlib.util
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from passlib.context import CryptContext

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from odoo_server import OdooServer, devtool, setup_control_plane  # noqa: E402

PREFIX = "saas_bench_"
STEPS = ["clone", "filestore", "customise", "verify", "password"]


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def provision_one(srv, rpc, plan_id, partner_id, sub, password="bench-pass"):
    t0 = time.perf_counter()
    instance_id = rpc("saas.instance", "create", {
        "name": f"Bench {sub}", "subdomain": sub, "partner_id": partner_id, "plan_id": plan_id})
    rpc("saas.instance", "request_provisioning", [instance_id], password)
    state = rpc.wait("saas.instance", instance_id, "state", ("active", "failed"), timeout=300,
                     interval=0.01)
    host = rpc("saas.instance", "read", [instance_id], ["url"])[0]["url"].split("://")[1]
    ok = state == "active" and requests.get(
        srv.url + "/web/login", headers={"Host": host}, timeout=60).status_code == 200
    elapsed = time.perf_counter() - t0
    logs = rpc("saas.instance.log", "search_read",
               [("instance_id", "=", instance_id), ("operation", "=", "provision")],
               ["step", "duration_ms", "result"])
    steps = {}
    for log in logs:
        steps[log["step"]] = steps.get(log["step"], 0) + log["duration_ms"] / 1000
    return instance_id, ok, elapsed, steps


def report(results, title, steps):
    """p50/p95 of request -> login page 200, and each step's mean share."""
    times = [r[2] for r in results]
    print(f"\n== {title} ==")
    print(f"ready (request -> login page 200): p50 {statistics.median(times):.2f}s  "
          f"p95 {pct(times, 95):.2f}s  min {min(times):.2f}s  max {max(times):.2f}s  "
          f"failures {sum(1 for r in results if not r[1])}")
    mean_total = statistics.mean(times)
    for step in steps:
        mean = statistics.mean(r[3].get(step, 0) for r in results)
        print(f"  {step:<10} {mean:6.3f}s  {100 * mean / mean_total:5.1f}%")
        if step == "clone":
            # the tenant role: created, owner of the clone and of its objects
            role = statistics.mean(r[3].get("role", 0) for r in results)
            print(f"   of which role {role:6.3f}s  {100 * role / mean_total:5.1f}%")
    in_steps = statistics.mean(sum(v for k, v in r[3].items() if k in steps)
                               for r in results)
    print(f"  {'queue/rpc':<10} {mean_total - in_steps:6.3f}s  "
          f"{100 * (mean_total - in_steps) / mean_total:5.1f}%  (job pickup, commits, polling)")


def sequential(srv, rpc, plan_id, partner_id, n, tag):
    results = [provision_one(srv, rpc, plan_id, partner_id, f"{tag}-{i}") for i in range(n)]
    report(results, f"{tag}: {n} tenants one after the other", STEPS)
    return results


def set_pool_size(rpc, size, template_id, timeout=600):
    """The setting, saved as an administrator does; waits until the
    template's pool holds ``size`` ready clones and nothing else."""
    settings = rpc("res.config.settings", "create", {"saas_pool_size": size})
    rpc("res.config.settings", "execute", [settings])
    wait_pool(rpc, size, template_id, timeout)


def wait_pool(rpc, size, template_id, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = rpc("saas.pool.database", "search_read", [("template_id", "=", template_id)],
                   ["state"])
        if len(rows) == size and all(r["state"] == "ready" for r in rows):
            return
        time.sleep(0.05)
    raise TimeoutError(f"the warm pool did not reach {size}")


def pooled(srv, rpc, plan_id, partner_id, n, size):
    template_id = rpc("saas.plan", "read", [plan_id], ["template_id"])[0]["template_id"][0]
    t0 = time.perf_counter()
    set_pool_size(rpc, size, template_id)
    made = rpc("saas.pool.database", "search_read", [("template_id", "=", template_id)],
               ["seconds"])
    print(f"\nwarm pool of {size} filled in {time.perf_counter() - t0:.1f}s "
          f"({statistics.mean(m['seconds'] for m in made):.2f}s a clone, registry included)")
    results = []
    for i in range(n):
        wait_pool(rpc, size, template_id)  # each request finds a full pool
        results.append(provision_one(srv, rpc, plan_id, partner_id, f"pool-{i}"))
    report(results, f"pool: {n} tenants from the warm pool, one after the other, "
           "admin password chosen", ["customise", "verify", "password"])
    # the floor of a chosen password: Odoo's own hash of it, which must be in
    # the tenant before the customer can open it
    t_hash = time.perf_counter()
    CryptContext(["pbkdf2_sha512"], pbkdf2_sha512__rounds=600_000).hash("bench-pass")
    print(f"  floor: one Odoo password hash (pbkdf2-sha512, 600,000 rounds) "
          f"{time.perf_counter() - t_hash:.2f}s")
    # no password chosen (a backend request; the customer comes in by SSO):
    # no 600,000-round hash to wait for
    bare = []
    for i in range(n):
        wait_pool(rpc, size, template_id)
        bare.append(provision_one(srv, rpc, plan_id, partner_id, f"pool-nopw-{i}", False))
    report(bare, f"pool: {n} tenants from the warm pool, no admin password",
           ["customise", "verify"])
    set_pool_size(rpc, 0, template_id)
    return results


def _credentials():
    """saas_router/credentials.py, loaded on its own (no registry here)."""
    path = Path(__file__).resolve().parent.parent / "saas_router" / "credentials.py"
    spec = importlib.util.spec_from_file_location("_saas_credentials", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fresh_install(srv, modules):
    """`odoo -i` of the same modules into a new database + its first login page;
    the database belongs to a tenant role, as ours do, so that it is routed."""
    name = f"{PREFIX}t_fresh"
    creds = _credentials()
    verifier = creds.scram_verifier(creds.derive_password(devtool.tenant_role_secret(), name))
    t0 = time.perf_counter()
    devtool.psql(f"""CREATE ROLE "{name}" LOGIN PASSWORD '{verifier}';
                     GRANT "{name}" TO CURRENT_USER;
                     CREATE DATABASE "{name}" OWNER "{name}" ENCODING 'unicode'
                         LC_COLLATE 'C' TEMPLATE template0;
                     REVOKE ALL ON DATABASE "{name}" FROM PUBLIC;""")
    subprocess.run([devtool.python(), devtool.odoo_launcher(), "-c", str(srv.conf), "-d", name,
                    "-i", modules, "--stop-after-init", "--without-demo=all",
                    "--log-level=warn", "--no-http"], check=True)
    status = requests.get(srv.url + "/web/login", headers={"Host": "fresh.localhost"},
                          timeout=120).status_code
    elapsed = time.perf_counter() - t0
    drop(name)
    return elapsed, status


def burst(srv, rpc, plan_id, partner_id, count, capacity):
    """All requests at once (one thread each); one poller watches them all,
    so that the benchmark itself does not flood the 2-core server."""
    requested, instance_ids = {}, [None] * count

    def request(i):
        local = srv.rpc()
        instance_id = local("saas.instance", "create", {
            "name": f"Burst {i}", "subdomain": f"burst-{i}", "partner_id": partner_id,
            "plan_id": plan_id})
        requested[instance_id] = time.perf_counter()
        local("saas.instance", "request_provisioning", [instance_id], "bench-pass")
        instance_ids[i] = instance_id

    t0 = time.perf_counter()
    threads = [threading.Thread(target=request, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ready, failed = {}, set()
    while len(ready) + len(failed) < count and time.perf_counter() - t0 < 300:
        rows = rpc("saas.instance", "read", [i for i in instance_ids if i not in ready
                                             and i not in failed], ["state", "url"])
        for row in rows:
            if row["state"] == "failed":
                failed.add(row["id"])
            elif row["state"] == "active":
                host = row["url"].split("://")[1]
                ok = requests.get(srv.url + "/web/login", headers={"Host": host},
                                  timeout=60).status_code == 200
                (ready.__setitem__(row["id"], time.perf_counter()) if ok
                 else failed.add(row["id"]))
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    times = [ready[i] - requested[i] for i in ready]
    print(f"\n== burst: {count} requests at once (clone channel capacity {capacity}) ==")
    print(f"ready {len(ready)}/{count}, failures {count - len(ready)}, wall {wall:.2f}s, "
          f"throughput {len(ready) / wall:.2f} tenants/s, per-tenant p50 "
          f"{statistics.median(times):.2f}s max {max(times):.2f}s")


def drop(name):
    devtool.drop_prefixed(name)


def cleanup():
    devtool.drop_prefixed(PREFIX)


def bench_config():
    return devtool.write_config(db_name=f"{PREFIX}master", path=devtool.RUN_DIR / "bench.conf",
                                prefix=PREFIX)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=10, help="tenants one after the other "
                        "(0: the burst only)")
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--account", action="store_true", help="also a template with account")
    parser.add_argument("--pool", type=int, default=2, help="warm pool size (0: skip)")
    parser.add_argument("--clone-capacity", type=int, default=2,
                        help="capacity of the channel root.saas_clone")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # figures appear as they come
    cleanup()
    srv = OdooServer(f"{PREFIX}master", conf=bench_config(),
                     channels=f"root:4,root.saas_clone:{args.clone_capacity}")
    print(f"master database installed in {srv.install():.1f}s")
    srv.start()
    try:
        rpc = srv.rpc()
        partner_id = rpc("res.partner", "create", {"name": "Bench", "email": "bench@x.test"})
        _s, _t, plan_id = setup_control_plane(rpc, srv.url, "base,web,portal", "Small")
        # one warm-up tenant: the first registry of a process costs more
        provision_one(srv, rpc, plan_id, partner_id, "warmup")
        small = sequential(srv, rpc, plan_id, partner_id, args.n, "small") if args.n else []
        pool = pooled(srv, rpc, plan_id, partner_id, args.n, args.pool) \
            if args.pool and args.n else []
        if small:
            fresh, status = fresh_install(srv, "base,web,portal")
            p50 = statistics.median(r[2] for r in small)
            print(f"\nfresh `odoo -i base,web,portal` + first login page: {fresh:.1f}s "
                  f"(status {status}); ratio to provisioning p50: {fresh / p50:.0f}x")
        if pool:
            pool_p50 = statistics.median(r[2] for r in pool)
            print(f"ratio to provisioning from the warm pool p50: {fresh / pool_p50:.0f}x")
        if args.account:
            _s, _t, acc_plan = setup_control_plane(rpc, srv.url, "base,web,portal,account",
                                                   "WithAccount")
            provision_one(srv, rpc, acc_plan, partner_id, "warmup-acc")
            sequential(srv, rpc, acc_plan, partner_id, args.n, "account")
        if args.burst:
            burst(srv, rpc, plan_id, partner_id, args.burst, args.clone_capacity)
    finally:
        srv.stop()
        if not args.keep:
            cleanup()


if __name__ == "__main__":
    main()
