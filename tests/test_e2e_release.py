"""End to end, real servers: tenants on release v1 (the master's processes,
with tests/release_addons/v1 on their path) move to release v2 (a second
Odoo process with tests/release_addons/v2, its own [saas_router]
app_server).

- A tenant rehearsed and promoted keeps its data (v2's migration ran on it),
  is served by v2's processes and refused (421) by v1's.
- A promotion whose migration raises (v2_broken) is rolled back: same data,
  old release, the route back, the operator told (activity, chatter,
  webhook event).
- A rollout's canary wave stops on its failure: the rest is never touched.
"""
import configparser
import os
import tempfile
from pathlib import Path

import pytest
import requests

from odoo_server import (OdooServer, TenantRpc, pg_master, provision_tenants,
                         setup_control_plane, terminate_tenants)

PREFIX = os.environ.get("SAAS_TEST_PREFIX", "saas_test_")
REPO = Path(__file__).resolve().parent.parent
ADDONS = REPO / "tests" / "release_addons"
PASSWORD = "Release-Test-Pw-1"
TIMEOUT = 1500


def base_addons_path(conf):
    parser = configparser.ConfigParser()
    parser.read(conf)
    return parser["options"]["addons_path"]


class ReleaseServer(OdooServer):
    """An Odoo server whose addons path ends with one version of the demo
    addon; ``app_server``: the [saas_router] app_server it carries (a
    release's processes), ``load``: its server-wide modules."""

    def __init__(self, db, version, app_server=False, load=None, **kw):
        super().__init__(db, **kw)
        self.addons = f"{base_addons_path(self.conf)},{ADDONS / version}"
        self.load = load
        if app_server:
            parser = configparser.ConfigParser()
            parser.read(self.conf)
            parser["saas_router"]["app_server"] = f"127.0.0.1:{self.port}"
            fd, path = tempfile.mkstemp(prefix="saas-release-", suffix=".conf")
            with os.fdopen(fd, "w") as out:
                parser.write(out)
            self.conf = Path(path)

    def _cmd(self, *extra):
        return super()._cmd(*extra) + ["--addons-path", self.addons] + (
            ["--load", self.load] if self.load else [])


@pytest.fixture(scope="module")
def env(master_base):
    master = ReleaseServer(PREFIX + "rel_master", "v1",
                           channels="root:4,root.saas_clone:2,root.saas_release:2")
    master.install("saas_release,saas_webhook_release", base=master_base)
    master.start()
    # v2's processes: serve the hosts of v2's tenants only, no job runner
    v2 = ReleaseServer(PREFIX + "rel_master", "v2", app_server=True,
                       load="base,web,saas_router",
                       log_path=master.log_path.with_name("rel_v2-server.log"))
    v2.start()
    rpc = master.rpc()
    tenants = {}
    try:
        storage_dir = tempfile.mkdtemp(prefix="saas-release-backups-")
        storage = rpc("saas.backup.storage", "create", {
            "name": "Release tests", "kind": "local", "local_path": storage_dir})
        for key, value in (("saas_backup.storage_id", str(storage)),
                           ("saas_backup.require_before_terminate", "False"),
                           ("saas_webhook.allow_private_urls", "True")):
            rpc("ir.config_parameter", "set_param", key, value)
        rpc("saas.webhook.endpoint", "create", {
            "name": "Release events", "url": "http://127.0.0.1:9/hook"})
        current = rpc("saas.release", "search", [("is_default", "=", True)])[0]
        base = base_addons_path(master.conf)
        releases = {"v1": current}
        for name, folder in (("v2", "v2"), ("v2-broken", "v2_broken")):
            releases[name] = rpc("saas.release", "create", {
                "name": name, "addons_path": f"{base},{ADDONS / folder}",
                "app_server": f"127.0.0.1:{v2.port}"})
        _server, _tpl, plan_id = setup_control_plane(
            rpc, master.url, modules="base,web,saas_demo_notes", name="Release demo")
        subs = ["relok", "relbad", "relcan1", "relcan2"]
        info = provision_tenants(rpc, plan_id, subs, PASSWORD, tenants, timeout=TIMEOUT)
        port = master.url.rsplit(":", 1)[1]
        for sub in subs:
            info[sub].update(host=f"{sub}.localhost:{port}", id=tenants[sub])
            notes = tenant(master, info[sub])
            for i, body in enumerate(("short", "a longer body", "")):
                notes("saas.demo.note", "create", {"name": f"{sub} note {i}", "body": body})
        yield dict(master=master, v2=v2, rpc=rpc, releases=releases, tenants=info)
    finally:
        terminate_tenants(rpc, tenants, wait=False)
        v2.stop()
        master.stop()


def tenant(srv, info):
    return TenantRpc(srv.url, info["host"], info["database_name"], f"boss@{info['host'].split('.')[0]}.test",
                     PASSWORD)


def notes_of(srv, info, fields=("name", "body")):
    return tenant(srv, info)("saas.demo.note", "search_read", [], list(fields), order="id")


def route_app_server(host):
    conn = pg_master(PREFIX + "rel_master")
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT app_server, state FROM saas_route WHERE host = %s",
                       [host.split(":")[0]])
            return cr.fetchone()
    finally:
        conn.close()


def wait_record(rpc, model, domain, field, states, timeout=TIMEOUT):
    from odoo_server import wait_for
    found = wait_for(lambda: [r for r in rpc(model, "search_read", domain, [field])
                              if r[field] in states], timeout, interval=1)
    assert found, rpc(model, "search_read", domain, [])
    return found[0]["id"]


def test_rehearse_then_promote_keeps_the_data_on_the_new_release(env):
    rpc, master, v2, info = env["rpc"], env["master"], env["v2"], env["tenants"]["relok"]
    before = notes_of(master, info)
    rollout = rpc("saas.release.rollout", "create", {
        "release_id": env["releases"]["v2"], "instance_ids": [(6, 0, [info["id"]])],
        "canary_share": 1.0, "max_failure_rate": 0.0, "rehearse_first": True})
    rpc("saas.release.rollout", "action_start", [rollout])
    wait_record(rpc, "saas.release.rollout", [("id", "=", rollout)], "state",
                ("done", "stopped"))
    (rehearsal,) = rpc("saas.release.rehearsal", "search_read",
                       [("instance_id", "=", info["id"])], ["state", "checks", "summary"])
    assert rehearsal["state"] == "passed", rehearsal
    for check in ('"login"', '"home"', '"saas_demo_notes"', '"crons"'):
        assert check in rehearsal["checks"]
    (update,) = rpc("saas.release.update", "search_read", [("instance_id", "=", info["id"])],
                    ["state", "downtime", "update_seconds", "summary"])
    assert update["state"] == "success", update
    assert 0 < update["update_seconds"] <= update["downtime"]
    instance = rpc("saas.instance", "read", [info["id"]],
                   ["release_id", "maintenance_reason", "last_rehearsal_state"])[0]
    assert instance["release_id"][0] == env["releases"]["v2"]
    assert not instance["maintenance_reason"] and instance["last_rehearsal_state"] == "passed"
    assert route_app_server(info["host"]) == (f"127.0.0.1:{v2.port}", "active")
    # served by v2's processes, with its data and v2's migration applied
    after = notes_of(v2, info, ("name", "body", "priority"))
    assert [(n["name"], n["body"]) for n in after] == [(n["name"], n["body"]) for n in before]
    assert [n["priority"] for n in after] == [len(n["body"] or "") for n in before]
    # v1's processes refuse it (another release's code)
    res = requests.get(master.url + "/web/login", headers={"Host": info["host"]}, timeout=30)
    assert res.status_code == 421 and res.headers["X-Saas-Refused"] == "elsewhere"
    # the clone is gone
    conn = pg_master()
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s",
                       ["%\\_rehearse\\_%"])
            assert cr.fetchone()[0] == 0
    finally:
        conn.close()


def test_a_failed_migration_is_rolled_back(env):
    rpc, master, info = env["rpc"], env["master"], env["tenants"]["relbad"]
    before = notes_of(master, info)
    rpc("saas.instance", "action_promote", [info["id"]], env["releases"]["v2-broken"])
    update_id = wait_record(rpc, "saas.release.update", [("instance_id", "=", info["id"])],
                            "state", ("recovered", "fatal", "success"))
    update = rpc("saas.release.update", "read", [update_id], [])[0]
    assert update["state"] == "recovered", update["summary"]
    assert "fails on purpose" in update["log_excerpt"]
    instance = rpc("saas.instance", "read", [info["id"]],
                   ["release_id", "maintenance_reason", "state"])[0]
    assert instance["release_id"][0] == env["releases"]["v1"]
    assert instance["state"] == "active" and not instance["maintenance_reason"]
    assert route_app_server(info["host"]) == (None, "active")
    assert notes_of(master, info) == before  # nothing of the broken migration
    # the operator: an activity and the chatter; outside systems: the event
    activities = rpc("mail.activity", "search_read", [
        ("res_model", "=", "saas.instance"), ("res_id", "=", info["id"])], ["summary"])
    assert any("v2-broken" in a["summary"] for a in activities)
    messages = rpc("mail.message", "search_read", [
        ("model", "=", "saas.instance"), ("res_id", "=", info["id"])], ["body"])
    assert any("failed" in m["body"] and "rolled back" in m["body"] for m in messages)
    events = rpc("saas.webhook.event", "search_read", [
        ("event_type", "=", "instance.update_failed")], ["body"])
    assert any(f'"instance_id": {info["id"]}' in e["body"] and '"recovered": true' in e["body"]
               for e in events), events


def test_a_canary_wave_stops_on_failure(env):
    rpc, master, tenants = env["rpc"], env["master"], env["tenants"]
    canary, rest = tenants["relcan1"], tenants["relcan2"]
    before = {sub: notes_of(master, tenants[sub]) for sub in ("relcan1", "relcan2")}
    rollout = rpc("saas.release.rollout", "create", {
        "release_id": env["releases"]["v2-broken"],
        "instance_ids": [(6, 0, [canary["id"], rest["id"]])],
        "canary_share": 0.5, "max_failure_rate": 0.0, "rehearse_first": True})
    rpc("saas.release.rollout", "action_start", [rollout])
    wait_record(rpc, "saas.release.rollout", [("id", "=", rollout)], "state",
                ("done", "stopped"))
    state = rpc("saas.release.rollout", "read", [rollout], ["state", "wave", "summary"])[0]
    assert (state["state"], state["wave"]) == ("stopped", 1), state
    rehearsals = rpc("saas.release.rehearsal", "search_read", [("rollout_id", "=", rollout)],
                     ["instance_id", "state"])
    assert [(r["instance_id"][0], r["state"]) for r in rehearsals] == [(canary["id"], "failed")]
    updates = rpc("saas.release.update", "search_read", [("rollout_id", "=", rollout)],
                  ["instance_id", "state"])
    assert [u["instance_id"][0] for u in updates] == [canary["id"]]
    for sub in ("relcan1", "relcan2"):
        instance = rpc("saas.instance", "read", [tenants[sub]["id"]], ["release_id"])[0]
        assert instance["release_id"][0] == env["releases"]["v1"]
        assert notes_of(master, tenants[sub]) == before[sub]
