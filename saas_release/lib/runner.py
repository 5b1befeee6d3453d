"""Update a database on a release's code and smoke-check it, in ONE process.

Run by the master as a subprocess with the release's Python and Odoo
(never imported by the master):

    python runner.py --odoo-src SRC [--update m1,m2] [--checks login,home,apps,crons]
                     [--crons 3,7] [--role ROLE] -- <odoo options: -c, -d, -r, -w, ...>

The database is reached as the tenant's role (``-r``/``-w``: the master's
door ``TenantDatabase.login_params()``); ``--role`` names that role for a
scratch copy (the rehearsal clone), whose name is not its role's.  The
update is Odoo's own (``Registry.new(db, update_module=True)``, what
``odoo -u`` does); the checks then run in the same process against Odoo's
WSGI application (no port, no second registry load):

- ``login``: ``GET /web/login`` renders the login form;
- ``home``: the backend home (``/odoo``) renders for the administrator;
- ``apps``: the root menu action of each installed application loads
  (``/web/action/load``, then its views and a first page of records);
- ``crons``: each cron of ``--crons`` (active on the source) runs once.

Its last line on stdout is ``SMOKE-RESULT <json>``: {"update": ok/error,
"checks": [{"check", "name", "ok", "detail"}]}.  Odoo's log goes where
the options say (``--logfile``): the caller scans it for ERROR lines.
"""
import argparse
import json
import logging
import sys
import time
import traceback

MARK = "SMOKE-RESULT "


def _args(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--odoo-src", required=True)
    parser.add_argument("--update", default="")
    parser.add_argument("--checks", default="login,home,apps,crons")
    parser.add_argument("--crons", default="")
    parser.add_argument("--role", default="")
    if "--" in argv:
        i = argv.index("--")
        return parser.parse_args(argv[:i]), argv[i + 1:]
    return parser.parse_args(argv), []


def main(argv):
    opts, odoo_args = _args(argv)
    sys.path.insert(0, opts.odoo_src)
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    update = [m for m in opts.update.split(",") if m]
    config.parse_config(odoo_args + (["-u", ",".join(update)] if update else []),
                        setup_logging=True)
    odoo.service.server.load_server_wide_modules()
    dbname = config["db_name"].split(",")[0]
    if opts.role:
        _scratch_role(dbname, opts.role)
    result = {"update": "skipped" if not update else "ok", "checks": []}
    started = time.monotonic()
    try:
        import threading  # noqa: PLC0415
        threading.current_thread().dbname = dbname
        registry = odoo.modules.registry.Registry.new(dbname, update_module=bool(update))
    except Exception as exc:  # noqa: BLE001 (reported, the caller decides)
        # in Odoo's log, with its traceback: the excerpt the operator reads
        logging.getLogger("saas_release.runner").exception("update of %s failed", dbname)
        traceback.print_exc()
        result["update"] = f"error: {exc}"
        print(MARK + json.dumps(result), flush=True)
        return 2
    result["update_seconds"] = round(time.monotonic() - started, 3)
    checks = [c for c in opts.checks.split(",") if c]
    if checks:
        result["checks"] = run_checks(registry, dbname, checks,
                                      [int(c) for c in opts.crons.split(",") if c])
    print(MARK + json.dumps(result), flush=True)
    return 0


def _scratch_role(dbname, role):
    """A scratch copy of a tenant is reached as the tenant's role, whose
    name is not the copy's (saas_router derives the role from the name)."""
    try:
        from odoo.addons.saas_router import credentials  # noqa: PLC0415
    except ImportError:
        return
    derive = credentials.tenant_role_name
    credentials.tenant_role_name = lambda db: role if db == dbname else derive(db)


def run_checks(registry, dbname, checks, cron_ids):
    import odoo  # noqa: PLC0415
    from odoo import api, http  # noqa: PLC0415
    from odoo.service import security  # noqa: PLC0415
    from werkzeug.test import Client  # noqa: PLC0415

    # this process serves this one database, whatever the host
    http.db_filter = lambda dbs, host=None: [db for db in dbs if db == dbname]
    http.db_list = lambda force=False, host=None: [dbname]
    out = []

    def record(check, name, ok, detail=""):
        out.append({"check": check, "name": name, "ok": bool(ok), "detail": str(detail)[:500]})

    anonymous = Client(http.root, use_cookies=False)
    if "login" in checks:
        try:
            res = anonymous.get("/web/login", headers={"Host": "localhost"})
            body = res.get_data(as_text=True)
            record("login", "/web/login", res.status_code == 200 and 'name="login"' in body,
                   f"HTTP {res.status_code}")
        except Exception as exc:  # noqa: BLE001
            record("login", "/web/login", False, exc)
    session = http.root.session_store.new()
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        admin = env.ref("base.user_admin", raise_if_not_found=False)
        if not admin or not admin.active:
            admin = env["res.users"].search([("share", "=", False)], limit=1, order="id")
        session.update(http.get_default_session(), db=dbname)
        session.uid, session.login = admin.id, admin.login
        user_env = api.Environment(cr, admin.id, {})
        session.session_token = security.compute_session_token(session, user_env)
        session.context = dict(user_env["res.users"].context_get())
        apps = _app_actions(env)
    http.root.session_store.save(session)
    client = Client(http.root, use_cookies=False)
    headers = {"Host": "localhost", "Cookie": f"session_id={session.sid}"}
    try:
        if "home" in checks:
            try:
                res = client.get("/odoo", headers=headers)
                body = res.get_data(as_text=True)
                record("home", "/odoo", res.status_code == 200 and "session_info" in body,
                       f"HTTP {res.status_code}")
            except Exception as exc:  # noqa: BLE001
                record("home", "/odoo", False, exc)
        if "apps" in checks:
            for module, action_id in apps:
                ok, detail = _load_action(client, headers, action_id)
                record("apps", module, ok, detail)
        if "crons" in checks:
            for cron_id in cron_ids:
                ok, detail = _call(client, headers, "ir.cron", "method_direct_trigger",
                                   [[cron_id]])
                record("crons", f"ir.cron {cron_id}", ok, detail)
    finally:
        http.root.session_store.delete(session)
    return out


def _app_actions(env):
    """(module, action id) of the root menu of each installed application."""
    modules = env["ir.module.module"].search([("state", "=", "installed"),
                                              ("application", "=", True)])
    found = []
    for module in modules.sorted("name"):
        data = env["ir.model.data"].search([("module", "=", module.name),
                                            ("model", "=", "ir.ui.menu")])
        menus = env["ir.ui.menu"].browse(data.mapped("res_id")).exists().filtered(
            lambda m: not m.parent_id)
        for menu in menus.sorted("sequence"):
            action = menu.action or menu.child_id.filtered("action")[:1].action
            if action:
                found.append((module.name, action.id))
                break
    return found


def _jsonrpc(client, headers, path, params):
    res = client.post(path, json={"jsonrpc": "2.0", "method": "call", "id": 1,
                                  "params": params}, headers=headers)
    body = res.get_json(silent=True) or {}
    if res.status_code != 200 or "error" in body:
        error = body.get("error", {})
        return False, (error.get("data") or {}).get("message") or error or f"HTTP {res.status_code}"
    return True, body.get("result")


def _call(client, headers, model, method, args, kwargs=None):
    return _jsonrpc(client, headers, "/web/dataset/call_kw", {
        "model": model, "method": method, "args": args, "kwargs": kwargs or {}})


def _load_action(client, headers, action_id):
    ok, action = _jsonrpc(client, headers, "/web/action/load", {"action_id": action_id})
    if not ok:
        return False, action
    if (action or {}).get("type") != "ir.actions.act_window":
        return True, (action or {}).get("type")
    model = action["res_model"]
    views = [[v or False, t] for v, t in action.get("views") or [[False, "list"]]]
    ok, detail = _call(client, headers, model, "get_views", [],
                       {"views": views + [[False, "search"]], "options": {}})
    if not ok:
        return False, f"{model} views: {detail}"
    ok, detail = _call(client, headers, model, "web_search_read", [],
                       {"domain": [], "specification": {"display_name": {}}, "limit": 80})
    return ok, model if ok else f"{model} records: {detail}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
