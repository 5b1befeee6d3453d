"""Run Odoo command lines on a tenant or template database, in a subprocess.

Installing or updating modules needs a registry of its own and a fresh
process; the master server must not load (and keep) it.  The subprocess uses
the master's configuration file and Python, pointed at the given server.
"""
import os
import subprocess
import sys

from odoo.tools import config

NEUTRALISE_SCRIPT = """
# Run by `odoo shell` inside a freshly built template database.
import secrets
env['ir.qweb']._pregenerate_assets_bundles()  # clones must not rebuild them
# admin/admin must not be born into every clone: customise sets the real one
env.ref('base.user_admin').password = secrets.token_urlsafe(32)
env.cr.execute("UPDATE ir_mail_server SET active = false")  # no mail out of a copy
env.cr.execute(
    "DELETE FROM ir_config_parameter WHERE key IN "
    "('database.enterprise_code', 'web.base.url.freeze', 'database.expiration_date')")
env.cr.commit()
print("NEUTRALISED")
"""


class OdooCliError(Exception):
    pass


def _base_cmd(conn_params, dbname, verb=None):
    cmd = [sys.executable, "-m", "odoo"] + ([verb] if verb else [])
    if config.rcfile:
        cmd += ["-c", config.rcfile]
    cmd += ["-d", dbname, "--db_host", str(conn_params["host"]),
            "--db_port", str(conn_params["port"]), "-r", conn_params["user"],
            "-w", conn_params["password"] or "", "--no-http", "--max-cron-threads=0"]
    return cmd


def _run(cmd, timeout, stdin=None, as_role=None):
    env = None
    if as_role:
        # every session of the subprocess runs as ``as_role`` (SET ROLE at
        # connection start), so each object it creates belongs to that role
        env = dict(os.environ, PGOPTIONS=f"-c role={as_role}")
    res = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout,
                         env=env)
    tail = "\n".join((res.stdout + res.stderr).strip().splitlines()[-25:])
    if res.returncode:
        raise OdooCliError(tail or f"exit code {res.returncode}")
    return tail


def install(conn_params, dbname, modules, timeout=1800, as_role=None):
    """Create ``dbname`` (if needed) and install ``modules`` without demo data."""
    cmd = _base_cmd(conn_params, dbname) + [
        "-i", ",".join(modules), "--without-demo=all", "--stop-after-init",
        "--log-level=warn"]
    return _run(cmd, timeout, as_role=as_role)


def update(conn_params, dbname, modules, timeout=1800):
    cmd = _base_cmd(conn_params, dbname) + [
        "-u", ",".join(modules), "--stop-after-init", "--log-level=warn"]
    return _run(cmd, timeout)


def neutralise(conn_params, dbname, timeout=600, as_role=None):
    cmd = _base_cmd(conn_params, dbname, verb="shell") + ["--log-level=warn"]
    out = _run(cmd, timeout, stdin=NEUTRALISE_SCRIPT, as_role=as_role)
    if "NEUTRALISED" not in out:
        raise OdooCliError(out)
    return out
