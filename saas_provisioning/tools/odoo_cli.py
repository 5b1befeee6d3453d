"""Run Odoo command lines on a tenant or template database, in a subprocess.

Installing or updating modules needs a registry of its own and a fresh
process; the master server must not load (and keep) it.  The subprocess uses
the master's configuration file and Python, pointed at the given server.
"""
import os
import subprocess
import sys

from odoo.tools import config

from odoo.addons.saas_router import credentials

from ..adapters import neutralise
from ..adapters.errors import OdooCliError  # noqa: F401 (callers catch it from here)

# the template's neutralisation (the one neutralisation: adapters/neutralise.py)
NEUTRALISE_SCRIPT = neutralise.template_script()


def _base_cmd(conn_params, dbname, verb=None, program=None):
    """``program``: the code to run (a release's, ``release_program``); by
    default the master's own Odoo and addons path."""
    program = program or {}
    if program.get("odoo_bin"):
        cmd = [program.get("python") or sys.executable, program["odoo_bin"]]
    else:
        cmd = [sys.executable, "-m", "odoo"]
    cmd += [verb] if verb else []
    if config.rcfile:
        cmd += ["-c", config.rcfile]
    if program.get("addons_path"):
        cmd += ["--addons-path", program["addons_path"]]
    cmd += ["-d", dbname, "--db_host", str(conn_params["host"]),
            "--db_port", str(conn_params["port"]), "-r", conn_params["user"],
            "-w", conn_params["password"] or "", "--no-http", "--max-cron-threads=0"]
    return cmd


def _run(cmd, timeout, stdin=None, template_owner=None):
    env = dict(os.environ)
    env.pop("PGOPTIONS", None)
    if template_owner:
        if template_owner != credentials.template_owner_role():
            raise OdooCliError(f"{template_owner!r} is not the templates' objects owner")
        # Building a template (ours, no tenant has ever been in it): every
        # session of the subprocess acts as the objects' owner role (which
        # may not log in), so each object it creates belongs to that role.
        # Never for a tenant: its code could SET ROLE NONE back to the
        # master; a tenant's database is reached by logging in as its role.
        env["PGOPTIONS"] = f"-c role={template_owner}"
    res = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout,
                         env=env)
    tail = "\n".join((res.stdout + res.stderr).strip().splitlines()[-25:])
    if res.returncode:
        raise OdooCliError(tail or f"exit code {res.returncode}")
    return tail


def install(conn_params, dbname, modules, timeout=1800, template_owner=None, program=None):
    """Create template ``dbname`` (if needed) and install ``modules`` without
    demo data, the objects owned by ``template_owner``, with ``program``'s
    code (a release's; the master's own by default)."""
    cmd = _base_cmd(conn_params, dbname, program=program) + [
        "-i", ",".join(modules), "--without-demo=all", "--stop-after-init",
        "--log-level=warn"]
    return _run(cmd, timeout, template_owner=template_owner)


def update(tenant_params, dbname, modules, timeout=1800, program=None):
    """``odoo -u modules`` on a tenant's database, logged in as the tenant's
    role (``tenant_params``: TenantDatabase.login_params()): what it creates
    belongs to the tenant, and the tenant's code meets only its own role.
    ``program``: a release's code (see ``_base_cmd``)."""
    cmd = _base_cmd(tenant_params, dbname, program=program) + [
        "-u", ",".join(modules), "--stop-after-init", "--log-level=warn"]
    return _run(cmd, timeout)


def neutralise(conn_params, dbname, timeout=600, template_owner=None, program=None):
    """Neutralise a freshly built template (see NEUTRALISE_SCRIPT)."""
    cmd = _base_cmd(conn_params, dbname, verb="shell", program=program) + ["--log-level=warn"]
    out = _run(cmd, timeout, stdin=NEUTRALISE_SCRIPT, template_owner=template_owner)
    if "NEUTRALISED" not in out:
        raise OdooCliError(out)
    return out
