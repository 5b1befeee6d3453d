"""A real Odoo server with the queue_job runner, for end-to-end tests and benchmarks.

Creates (once) a master database with saas_provisioning, starts
``python -m odoo`` on it in threaded mode (the job runner runs in-process),
and talks to it over XML-RPC as an administrator would.
"""
import os
import shutil
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

import psycopg2
import psycopg2.errors
import requests
from psycopg2 import sql

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import devtool  # noqa: E402
from loopback import free_port, wait_until  # noqa: E402,F401 (free_port: for bench/)
from odoo_rpc import Rpc  # noqa: E402,F401


class OdooServer:
    def __init__(self, db, conf=None, port=None, channels="root:4,root.saas_clone:2",
                 log_path=None):
        self.db = db
        self.conf = Path(conf or os.environ.get("SAAS_ODOO_CONF") or devtool.CONF)
        self.port = port or free_port()
        self.channels = channels
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_path or devtool.RUN_DIR / f"{db}-server.log")
        self.proc = None

    # -- lifecycle ---------------------------------------------------------
    def _cmd(self, *extra):
        return [devtool.python(), devtool.odoo_launcher(), "-c", str(self.conf), "-d", self.db,
                f"--db-filter=^{self.db}$", *extra]

    def install(self, modules="saas_provisioning", base=None):
        """Create the master database with our addons unless it exists;
        ``base``: a master database made earlier in the session (never
        served meanwhile) that this one starts as a copy of, then installs
        only what it lacks."""
        if devtool.db_exists(self.db):
            return 0.0
        t0 = time.time()
        if base:
            copy_database(base, self.db)
            modules = ",".join(not_installed(self.db, modules.split(",")))
        if modules:
            subprocess.run(self._cmd("-i", modules, "--stop-after-init", "--without-demo=all",
                                     "--log-level=warn", "--no-http"), check=True)
        return time.time() - t0

    def start(self, timeout=60):
        env = dict(os.environ, ODOO_QUEUE_JOB_CHANNELS=self.channels)
        self.log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            self._cmd("--http-port", str(self.port), "--workers=0", "--max-cron-threads=0",
                      "--log-level=info"),
            stdout=self.log_file, stderr=subprocess.STDOUT, env=env)
        try:
            wait_until(lambda: requests.get(self.url + "/web/login", timeout=5).status_code
                       == 200, timeout, "odoo", self.proc, interval=0.2)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}, see {self.log_path}") from exc
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log_file.close()

    # -- RPC -----------------------------------------------------------------
    def rpc(self, login="admin", password="admin"):
        return Rpc(self.url, self.db, login, password)


def copy_database(source, target, timeout=60):
    """``target`` as a copy of ``source`` (CREATE DATABASE ... TEMPLATE, and
    its filestore as hard links: Odoo never rewrites a file in place)."""
    conn = pg_master()
    conn.autocommit = True
    deadline = time.time() + timeout
    try:
        with conn.cursor() as cr:
            while True:
                try:
                    cr.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(target), sql.Identifier(source)))
                    break
                except psycopg2.errors.ObjectInUse:
                    # the backends of a server just stopped may linger a moment
                    if time.time() > deadline:
                        raise
                    time.sleep(0.2)
    finally:
        conn.close()
    store = devtool.RUN_DIR / "filestore-root" / "filestore"
    if (store / source).is_dir():
        shutil.copytree(store / source, store / target, copy_function=os.link)


def not_installed(db, modules):
    """Those of ``modules`` not installed in ``db``."""
    conn = pg_master(db)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed' "
                       "AND name = ANY(%s)", [modules])
            done = {name for (name,) in cr.fetchall()}
    finally:
        conn.close()
    return [m for m in modules if m not in done]


def host_xmlrpc(url, host, service, method, *params, timeout=120):
    """An XML-RPC call to the server at ``url`` sent with ``host`` as its Host
    header (a tenant's); a Fault is raised as xmlrpc.client.Fault."""
    body = xmlrpc.client.dumps(params, method, allow_none=True)
    response = requests.post(f"{url}/xmlrpc/2/{service}", data=body, timeout=timeout,
                             headers={"Host": host, "Content-Type": "text/xml"})
    (result,), _method = xmlrpc.client.loads(response.text)
    return result



def setup_control_plane(rpc, server_url, modules="base,web,portal", name="Small"):
    """A server record pointing at our PostgreSQL and a built template."""
    params = dict(host="127.0.0.1", port=devtool.PG_PORT, db_user=devtool.PG_USER,
                  db_password=devtool.PG_PASSWORD)
    host_port = server_url.rsplit(":", 1)[1]
    # the base domain is odoo.conf's (localhost); URLs carry this server's port
    rpc("ir.config_parameter", "set_param", "saas_base.url_port", host_port)
    # a master database kept from an earlier server (another test file, an
    # earlier run) has the server record already: point it at this server
    servers = rpc("saas.server", "search", [("name", "=", "Local PostgreSQL")])
    if servers:
        server_id = servers[0]
        rpc("saas.server", "write", [server_id], {"odoo_url": server_url})
    else:
        server_id = rpc("saas.server", "create", dict(
            params, name="Local PostgreSQL", odoo_url=server_url, max_instances=1000))
    templates = rpc("saas.template", "search", [("name", "=", name), ("state", "=", "ready")])
    if templates:
        template_id = templates[0]
    else:
        template_id = rpc("saas.template", "create", dict(
            name=name, module_list=modules, server_id=server_id))
        t0 = time.time()
        rpc("saas.template", "action_build", [template_id])
        state = rpc.wait("saas.template", template_id, "state", ("ready", "failed"),
                         timeout=900, interval=1)
        if state != "ready":
            raise RuntimeError(f"template build {state}")
        print(f"template {name} ({modules}) built in {time.time() - t0:.1f}s", flush=True)
    plan_id = rpc("saas.plan", "create", dict(name=f"Plan {name}", template_id=template_id,
                                               max_users=5, max_storage_mb=1024))
    return server_id, template_id, plan_id


def request_tenants(rpc, plan_id, subs, password, tenants=None):
    """One customer and instance per subdomain of ``subs``, each asked to
    provision with ``password`` (login ``boss@<sub>.test``): {sub: id}, in
    ``tenants`` when given (filled as they are made: a caller cleans up
    those made before an error)."""
    tenants = {} if tenants is None else tenants
    for sub in subs:
        partner_id = rpc("res.partner", "create", {"name": f"Owner {sub}",
                                                   "email": f"boss@{sub}.test"})
        tenants[sub] = rpc("saas.instance", "create", {
            "name": f"Company {sub}", "subdomain": sub, "partner_id": partner_id,
            "plan_id": plan_id})
        rpc("saas.instance", "request_provisioning", [tenants[sub]], password)
    return tenants


class TenantRpc:
    """XML-RPC to a tenant, sent to the shared server with the tenant's Host."""

    def __init__(self, url, host, db, login, password):
        self.url, self.host, self.db, self.password = url, host, db, password
        self.uid = self._call("common", "authenticate", db, login, password, {})
        assert self.uid, f"cannot log in {login} on {db}"

    def _call(self, service, method, *params):
        return host_xmlrpc(self.url, self.host, service, method, *params)

    def __call__(self, model, method, *args, **kw):
        return self._call("object", "execute_kw", self.db, self.uid, self.password,
                          model, method, list(args), kw)

    def run_code(self, code):
        """Run ``code`` in a server action as this tenant's administrator;
        the code sets ``outcome``.  Returns it, or 'refused: <error>' when it
        raised."""
        # (the sandbox has no `with`: a savepoint by hand keeps the
        # transaction usable after a refused statement)
        wrapped = "outcome = 'done'\nenv.cr.execute('SAVEPOINT attack')\ntry:\n" + "".join(
            f"    {line}\n" for line in code.strip().splitlines()
        ) + ("except Exception as exc:\n    outcome = 'refused: %s' % exc\n"
             "    try:\n        env.cr.execute('ROLLBACK TO SAVEPOINT attack')\n"
             "    except Exception:\n        pass\n"
             "action = {'type': 'ir.actions.act_window_close', 'outcome': outcome}\n")
        model_id = self("ir.model", "search", [("model", "=", "res.partner")])[0]
        action_id = self("ir.actions.server", "create", {
            "name": "attack", "model_id": model_id, "state": "code", "code": wrapped})
        try:
            result = self("ir.actions.server", "run", [action_id])
        except xmlrpc.client.Fault as fault:
            return "refused: " + fault.faultString.strip().splitlines()[-1]
        return (result or {}).get("outcome")


def provision_tenants(rpc, plan_id, subdomains, password, tenants, timeout=180):
    """Provision one instance per subdomain (owner ``boss@<sub>.test``)
    through the control plane.  ``tenants`` ({sub: instance id}) is filled
    as they are created, so that the caller's cleanup sees every one even
    when a later one fails.  Returns {sub: {database_name, url}}."""
    request_tenants(rpc, plan_id, subdomains, password, tenants)
    for instance_id in tenants.values():
        state = rpc.wait("saas.instance", instance_id, "state", ("active", "failed"),
                         timeout=timeout)
        assert state == "active", rpc("saas.instance.log", "search_read",
                                      [("instance_id", "=", instance_id)], ["step", "message"])
    return {sub: rpc("saas.instance", "read", [iid], ["database_name", "url"])[0]
            for sub, iid in tenants.items()}


def terminate_tenants(rpc, tenants, wait=True):
    """Terminate every instance of ``tenants`` not terminated yet (the other
    end-to-end files share the master: no tenant of ours left running)."""
    for instance_id in tenants.values():
        state = rpc("saas.instance", "read", [instance_id], ["state"])[0]["state"]
        if state == "provisioning":
            rpc("saas.instance", "action_mark_failed", [instance_id])
        if state != "terminated":
            rpc("saas.instance", "action_terminate", [instance_id])
    for instance_id in tenants.values() if wait else ():
        rpc.wait("saas.instance", instance_id, "state", ("terminated",), timeout=60)


def pg_master(db="postgres"):
    """A connection as the master's role (what the tests inspect with)."""
    return psycopg2.connect(host="127.0.0.1", port=devtool.PG_PORT, user=devtool.PG_USER,
                            password=devtool.PG_PASSWORD, dbname=db)


def wait_for(predicate, timeout, interval=0.2):
    """Poll ``predicate`` until it returns something true (returned), or
    ``timeout`` seconds have passed (its last value is returned)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
