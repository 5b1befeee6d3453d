"""`./dev run --release2`: a second release beside the threaded server.

The main process serves release "Current" (the default) with
tests/release_addons/v1 on its addons path; a second Odoo process (same
Odoo, same master, tests/release_addons/v2 on its path: the demo addon
saas_demo_notes at a higher version with a migration) serves release
"Demo v2" on its own port ([saas_router] app_server = 127.0.0.1:PORT).
Once both answer, the releases are recorded in the master (by RPC, as an
administrator would) and a template "Demo notes" (base, web, portal,
saas_demo_notes) is there to make a tenant that the update changes.
"""
import configparser
import os
from pathlib import Path

from odoo_rpc import Rpc

REPO = Path(__file__).resolve().parent.parent
ADDONS = REPO / "tests" / "release_addons"
PORT = int(os.environ.get("SAAS_RELEASE2_PORT", "8079"))


def addons_path(conf, version):
    parser = configparser.ConfigParser()
    parser.read(conf)
    return f"{parser['options']['addons_path']},{ADDONS / version}"


def write_conf(conf, port=PORT):
    """The main configuration with this process's app_server."""
    parser = configparser.ConfigParser()
    parser.read(conf)
    if not parser.has_section("saas_router"):
        parser.add_section("saas_router")
    parser["saas_router"]["app_server"] = f"127.0.0.1:{port}"
    path = Path(conf).with_name("odoo-release2.conf")
    with open(path, "w") as out:
        parser.write(out)
    return path


def command(odoo_cmd, conf, db, port=PORT):
    """The second release's process: no job runner, no crons (the master's
    process runs them), the tenants of its release only."""
    return odoo_cmd(write_conf(conf, port)) + [
        "-d", db, "--addons-path", addons_path(conf, "v2"), "--http-port", str(port),
        "--load", "base,web,saas_router", "--max-cron-threads=0"]


def register(url, db, conf, port=PORT):
    """The releases and the demo template in the master (idempotent)."""
    rpc = Rpc(url, db, "admin", "admin")
    current = rpc("saas.release", "search", [("is_default", "=", True)])
    if not current:
        return None
    rpc("saas.release", "write", current, {"addons_path": addons_path(conf, "v1")})
    v2 = rpc("saas.release", "search", [("name", "=", "Demo v2")])
    values = {"name": "Demo v2", "addons_path": addons_path(conf, "v2"),
              "app_server": f"127.0.0.1:{port}", "git_ref": "tests/release_addons/v2"}
    if v2:
        rpc("saas.release", "write", v2, values)
    else:
        v2 = [rpc("saas.release", "create", values)]
    if not rpc("saas.template", "search", [("name", "=", "Demo notes")]):
        server = rpc("saas.server", "search", [], limit=1)
        if server:
            template = rpc("saas.template", "create", {
                "name": "Demo notes", "module_list": "base,web,portal,saas_demo_notes",
                "server_id": server[0]})
            rpc("saas.plan", "create", {"name": "Demo notes", "template_id": template,
                                        "max_users": 5, "max_storage_mb": 1024})
            rpc("saas.template", "action_build", [template])
    return v2[0]
