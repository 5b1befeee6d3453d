"""Tenant isolation, tried as a hostile tenant administrator would.

Through the real server with its job runner: two tenants are provisioned;
the administrator of tenant A writes server actions whose Python code runs
SQL in its own database (Odoo's sandbox lets it reach ``env.cr``) and reaches
for the process's other registries.  Each attack must be refused by
PostgreSQL or Odoo, and afterwards tenant B and the master still answer with
their data.  Also: a database made by hand under a future tenant's name is
refused, never adopted.
"""
import os
import xmlrpc.client

import pytest
import requests

from odoo_server import (TenantRpc, devtool, pg_master, provision_tenants,
                         setup_control_plane, terminate_tenants)

PREFIX = os.environ.get("SAAS_TEST_PREFIX", "saas_test_")
PASSWORD = "Iso-admin-Pass-42"
MARKER = "isolation-marker-7f3a9"


@pytest.fixture(scope="module")
def plane(server):
    rpc = server.rpc()
    server_id, template_id, plan_id = setup_control_plane(rpc, server.url)
    template_db = rpc("saas.template", "read", [template_id], ["database_name"])[0][
        "database_name"]
    tenants = {}
    try:
        info = provision_tenants(rpc, plan_id, ("iso-a", "iso-b"), PASSWORD, tenants,
                                 timeout=120)
        yield rpc, template_db, info, tenants
    finally:
        terminate_tenants(rpc, tenants)


def _host(info):
    return info["url"].split("://", 1)[1]


def test_tenant_admin_cannot_reach_anything_else(server, plane):
    rpc, template_db, info, tenants = plane
    a, b = info["iso-a"], info["iso-b"]
    master_db = server.db
    role_a = a["database_name"]
    attacker = TenantRpc(server.url, _host(a), a["database_name"], "boss@iso-a.test", PASSWORD)
    # tenant B's and the master's registries are loaded in the server process
    TenantRpc(server.url, _host(b), b["database_name"], "boss@iso-b.test", PASSWORD)
    # a session of the master's role whose last query carries a secret
    spy_target = pg_master(master_db)
    with spy_target.cursor() as cr:
        cr.execute(f"SELECT '{MARKER}'")

    outside_tx = "env.cr.execute('COMMIT')\n"
    attacks = {
        "drop other tenant": outside_tx + f"env.cr.execute('DROP DATABASE \"{b['database_name']}\" WITH (FORCE)')",
        "drop master": outside_tx + f"env.cr.execute('DROP DATABASE \"{master_db}\" WITH (FORCE)')",
        "drop template": outside_tx + f"env.cr.execute('DROP DATABASE \"{template_db}\" WITH (FORCE)')",
        "create database": outside_tx + f"env.cr.execute('CREATE DATABASE \"{PREFIX}t_squat\" TEMPLATE \"{template_db}\"')",
        "rename other tenant": outside_tx + f"env.cr.execute('ALTER DATABASE \"{b['database_name']}\" RENAME TO \"{PREFIX}t_stolen\"')",
        "alter other tenant": outside_tx + f"env.cr.execute('ALTER DATABASE \"{b['database_name']}\" ALLOW_CONNECTIONS false')",
        "rename own database": outside_tx + f"env.cr.execute('ALTER DATABASE \"{role_a}\" RENAME TO \"{PREFIX}t_other\"')",
        "create role": outside_tx + "env.cr.execute('CREATE ROLE evil LOGIN')",
        "grant itself createdb": outside_tx + f"env.cr.execute('ALTER ROLE \"{role_a}\" CREATEDB')",
        "signal master sessions": f"env.cr.execute(\"SELECT pg_terminate_backend({spy_target.info.backend_pid})\")",
        "lift suspension": "env.cr.execute(\"UPDATE saas_control.tenant_setting SET value = '9' WHERE key = 'max_users'\")",
        "lift storage quota": "env.cr.execute(\"UPDATE saas_control.tenant_setting SET value = '0' WHERE key IN ('max_storage_mb', 'storage_used_mb')\")",
        "insert setting": "env.cr.execute(\"INSERT INTO saas_control.tenant_setting (key, value) VALUES ('x', 'y')\")",
        "trigger on settings": "env.cr.execute('CREATE TRIGGER t BEFORE UPDATE ON saas_control.tenant_setting FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()')",
        "drop settings": "env.cr.execute('DROP TABLE saas_control.tenant_setting')",
        "drop settings schema": "env.cr.execute('DROP SCHEMA saas_control CASCADE')",
        "rename settings": "env.cr.execute('ALTER TABLE saas_control.tenant_setting RENAME TO old')",
        "master registry": f"env.registry.registries['{master_db}'].cursor().execute('SELECT 1')",
        "other tenant registry": f"env.registry.registries['{b['database_name']}'].cursor().execute('SELECT 1')",
        "new master registry": f"env.registry.new('{master_db}')",
        "install saas_provisioning": "env['ir.module.module'].search([('name', '=', 'saas_provisioning')]).button_immediate_install()",
    }
    outcomes = {name: attacker.run_code(code) for name, code in attacks.items()}
    for name, outcome in outcomes.items():
        assert outcome and outcome.startswith("refused"), f"{name}: {outcome}"
    # the reasons are PostgreSQL's privileges (or Odoo's), not typos
    assert "must be owner" in outcomes["drop other tenant"]
    assert "permission denied to create database" in outcomes["create database"]
    assert "permission denied" in outcomes["lift suspension"]
    assert "permission denied to create role" in outcomes["create role"]
    # (Odoo blanks env.registry.registries/new on each registry; the
    # connection gate behind them is tested in saas_router's tests)
    for name, outcome in sorted(outcomes.items()):
        print(f"{name:<28} {outcome[:110]}")

    # reading other sessions' queries: nothing but "<insufficient privilege>"
    seen = attacker.run_code(
        "env.cr.execute(\"SELECT count(*) FROM pg_stat_activity WHERE query LIKE %s "
        "AND pid <> pg_backend_pid()\", "
        f"['%{MARKER}%'])\noutcome = 'seen %s' % env.cr.fetchone()[0]")
    assert seen == "seen 0", seen
    with pg_master() as conn, conn.cursor() as cr:  # the master does see it
        cr.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE %s", [f"%{MARKER}%"])
        assert cr.fetchone()[0] >= 1

    # installing a master addon behind Odoo's back: marked in SQL, then any
    # upgrade reloads the registry; the loader refuses it
    sneak = attacker.run_code(
        "env.cr.execute(\"UPDATE ir_module_module SET state = 'to install' "
        "WHERE name = 'saas_provisioning'\")\n"
        "env['ir.module.module'].search([('name', '=', 'saas_tenant')]).button_immediate_upgrade()")
    states = attacker("ir.module.module", "search_read", [("name", "=", "saas_provisioning")],
                      ["state"])
    assert states[0]["state"] == "uninstalled", (sneak, states)
    assert not attacker("ir.model", "search", [("model", "=", "saas.instance")])

    # the other tenant, the master and the template are untouched
    spy_target.close()
    tenant_b = TenantRpc(server.url, _host(b), b["database_name"], "boss@iso-b.test", PASSWORD)
    assert tenant_b("res.company", "read", [1], ["name"])[0]["name"] == "Company iso-b"
    assert rpc("saas.instance", "read", [tenants["iso-a"]], ["state"])[0]["state"] == "active"
    with pg_master() as conn, conn.cursor() as cr:
        cr.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)",
                   [[b["database_name"], master_db, template_db, a["database_name"]]])
        assert len(cr.fetchall()) == 4
        cr.execute("SELECT 1 FROM pg_roles WHERE rolname = 'evil'")
        assert cr.fetchone() is None
    with pg_master(a["database_name"]) as conn, conn.cursor() as cr:
        cr.execute("SELECT key, value FROM saas_control.tenant_setting WHERE key IN ('max_users', 'x')")
        assert dict(cr.fetchall()) == {"max_users": "5"}


def test_roles_and_ownership(server, plane):
    _rpc, template_db, info, _tenants = plane
    db = info["iso-a"]["database_name"]
    with pg_master() as conn, conn.cursor() as cr:
        cr.execute("""SELECT r.rolname, r.rolcanlogin, r.rolcreatedb, r.rolcreaterole,
                             r.rolsuper, r.rolreplication,
                             pg_has_role(r.oid, 'pg_signal_backend', 'MEMBER')
                        FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba
                       WHERE d.datname = %s""", [db])
        assert cr.fetchone() == (db, True, False, False, False, False, False)
        # CONNECT only for the owner (and us, members of it)
        cr.execute("SELECT has_database_privilege('public', %s, 'CONNECT')", [db])
        assert cr.fetchone()[0] is False
        for other in (info["iso-b"]["database_name"], server.db, template_db, "template1"):
            cr.execute("SELECT has_database_privilege(%s, %s, 'CONNECT')", [db, other])
            assert cr.fetchone()[0] is False, other
        # a member of no role (nor any role a member of it but us)
        cr.execute("SELECT count(*) FROM pg_auth_members WHERE member = %s::regrole", [db])
        assert cr.fetchone()[0] == 0
    with pg_master(db) as conn, conn.cursor() as cr:
        # every object of the tenant's but the master's settings
        cr.execute("""SELECT count(*) FROM pg_class c JOIN pg_namespace n
                          ON n.oid = c.relnamespace
                       WHERE n.nspname = 'public' AND c.relowner <> (
                             SELECT datdba FROM pg_database WHERE datname = current_database())""")
        assert cr.fetchone()[0] == 0
        cr.execute("SELECT pg_get_userbyid(relowner) FROM pg_class "
                   "WHERE oid = 'saas_control.tenant_setting'::regclass")
        assert cr.fetchone()[0] == devtool.PG_USER
    # the template's objects belong to a role that owns no database
    with pg_master() as conn, conn.cursor() as cr:
        cr.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
                   [template_db])
        assert cr.fetchone()[0] == devtool.PG_USER
        cr.execute("""SELECT count(*) FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba
                       WHERE r.rolname = 'saas_template_owner'""")
        assert cr.fetchone()[0] == 0


def test_squatted_name_is_refused(server, plane):
    rpc, template_db, _info, _tenants = plane
    partner_id = rpc("res.partner", "create", {"name": "Late", "email": "late@x.test"})
    plan_id = rpc("saas.plan", "search", [], limit=1)[0]
    instance_id = rpc("saas.instance", "create", {
        "name": "Late Co", "subdomain": "iso-squat", "partner_id": partner_id,
        "plan_id": plan_id})
    # the name is opaque (nothing of the subdomain): a squatter cannot guess
    # it; one who learnt it still gets nothing of the tenant
    squat = rpc("saas.instance", "read", [instance_id], ["database_name"])[0]["database_name"]
    assert squat.startswith(f"{PREFIX}t_") and "squat" not in squat
    conn = pg_master()
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(f'CREATE DATABASE "{squat}" TEMPLATE "{template_db}"')
    try:
        with pytest.raises(xmlrpc.client.Fault, match="already exists"):
            rpc("saas.instance", "request_provisioning", [instance_id], PASSWORD)
        assert rpc("saas.instance", "read", [instance_id], ["state"])[0]["state"] == "draft"
        # the hand-made database is left as it was, and not routed
        page = requests.get(server.url + "/web/login", timeout=30, allow_redirects=False,
                            headers={"Host": f"iso-squat.localhost:{server.port}"})
        assert page.status_code != 200 or 'name="login"' not in page.text
        with conn.cursor() as cr:
            cr.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
                       [squat])
            assert cr.fetchone()[0] == devtool.PG_USER
    finally:
        with conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{squat}" WITH (FORCE)')
        conn.close()
