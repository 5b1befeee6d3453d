#!/usr/bin/env python3
"""Benchmark: what the tenant's storage quota costs an upload.

Run with Odoo's venv:  ./dev python bench/storage_quota.py [-n 300] [--kb 20]

Creates a database of its own with saas_tenant (as in every tenant), then
times N ``ir.attachment`` creates of a KB-sized file through the ORM, in one
transaction rolled back at the end, three ways:
  * floor: Odoo's own create (our quota check switched off);
  * no limit: max_storage_mb = 0 (one settings query, then Odoo's create);
  * quota: a limit and a measure shipped by the master (settings query +
    sum of the attachments stored since the measure, then Odoo's create).
Prints p50 / p95 per create with the floor beside them; asserts nothing.
The database is dropped at the end (unless --keep).
"""
import argparse
import subprocess
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from odoo_server import OdooServer, devtool  # noqa: E402

PREFIX = "saas_bquota_"

SHELL = textwrap.dedent('''
    import os, statistics, time
    from unittest.mock import patch
    from odoo.addons.saas_tenant import limits
    from odoo.addons.saas_tenant.models.ir_attachment import IrAttachment
    N, KB = {n}, {kb}
    limits.ensure_table(env.cr)

    def write(**settings):
        env.cr.execute("DELETE FROM " + limits.TABLE)
        for key, value in settings.items():
            env.cr.execute("INSERT INTO " + limits.TABLE + " (key, value) VALUES (%s, %s)",
                           [key, str(value)])

    def run(label):
        Attachment = env["ir.attachment"]
        times = []
        for i in range(N):
            raw = os.urandom(KB * 1024)
            t0 = time.perf_counter()
            Attachment.create({{"name": f"bench{{i}}.bin", "raw": raw}})
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        return label, statistics.median(times), times[int(0.95 * (len(times) - 1))]

    rows = []
    write(max_storage_mb=0)
    run("warm-up")  # first creates pay for caches and the filestore folders
    with patch.object(IrAttachment, "_saas_check_storage", lambda self, adding: None):
        rows.append(run("floor: Odoo's create"))
    rows.append(run("ours, no limit"))
    env.cr.execute("SELECT now() AT TIME ZONE 'UTC' - interval '1 hour'")
    write(max_storage_mb=100000, storage_used_mb=10,
          storage_measured_at=str(env.cr.fetchone()[0])[:19],
          storage_plans='[{{"name": "Big", "max_storage_mb": 0}}]')
    rows.append(run("ours, quota checked"))
    print("== ir.attachment create, {kb} KB, {n} each (ms) ==")
    for label, p50, p95 in rows:
        print(f"{{label:<24}} p50 {{p50:6.2f}}  p95 {{p95:6.2f}}")
    env.cr.rollback()
''')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--kb", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    srv = OdooServer(f"{PREFIX}tenant")
    print(f"database with saas_tenant installed in {srv.install('saas_tenant'):.1f}s",
          flush=True)
    try:
        cmd = [devtool.python(), devtool.odoo_launcher(), "shell", "-c", str(srv.conf),
               "-d", srv.db, "--no-http", "--log-level=warn"]
        out = subprocess.run(cmd,
                             input=SHELL.format(n=args.n, kb=args.kb), text=True,
                             capture_output=True)
        print(out.stdout.strip())
        if out.returncode:
            sys.exit(out.stderr[-2000:])
    finally:
        if not args.keep:
            devtool.drop_prefixed(PREFIX)


if __name__ == "__main__":
    main()
