"""Benchmarks that measure inside `odoo shell` on a master database of
their own (bench/billing.py, bench/overview.py): made when missing with
the addons they need, dropped with everything of their prefix after."""
import subprocess
import time

import devtool


def run_in_shell(prefix, port, addons, script, conf_name, keep=False):
    """Install ``addons`` in ``<prefix>master`` when that database is
    missing, run ``script`` (Python text) in its `odoo shell`, then drop
    every database, role and filestore of ``prefix`` unless ``keep``."""
    db = f"{prefix}master"
    conf = devtool.write_config(db_name=db, http_port=port, path=devtool.RUN_DIR / conf_name,
                                prefix=prefix)

    def odoo(*odoo_args, command=(), **kwargs):
        return subprocess.run([devtool.python(), devtool.odoo_launcher(), *command, "-c",
                               str(conf), "-d", db, *odoo_args], check=True, **kwargs)

    exists = bool(devtool.psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}';").strip())
    if not exists:
        t0 = time.perf_counter()
        odoo("-i", ",".join(addons), "--without-demo=all", "--stop-after-init",
             "--log-level=warn", "--http-port", str(port))
        print(f"database {db} installed in {time.perf_counter() - t0:.1f} s")
    try:
        odoo("--no-http", "--log-level=warn", command=("shell",), input=script, text=True)
    finally:
        if not keep:
            devtool.drop_prefixed(prefix)
