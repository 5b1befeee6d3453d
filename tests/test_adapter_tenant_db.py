"""TenantDatabase: the master's settings in a tenant, usage read, and the
door (a tenant's planted code never runs as the master)."""
import psycopg2
import pytest

import traps  # (beside this file: on pytest's path)
from adapters_common import PG, _name, _odoo_tenant, _sql, ad


def test_missing_tenant_database():
    with pytest.raises(ad.DatabaseNotFoundError):
        ad.TenantDatabase(PG, _name()).read_settings()


def test_settings_round_trip(clone):
    tenant = ad.TenantDatabase(PG, clone)
    assert tenant.read_settings() == {}
    tenant.write_settings({"suspended": True, "max_users": 3, "master_url": "http://m"})
    assert tenant.read_settings() == {"suspended": "1", "max_users": "3",
                                      "master_url": "http://m"}
    tenant.write_settings({"suspended": False, "master_url": None, "suspended_reason": ""})
    assert tenant.read_settings() == {"suspended": "0", "max_users": "3",
                                      "suspended_reason": ""}
    rows = _sql(clone, "SELECT count(*) FROM saas_control.tenant_setting WHERE write_date IS NULL")
    assert rows == [(0,)]
    with pytest.raises(ValueError):
        tenant.write_settings({"": "x"})
    tenant.write_settings({"max_users": 1, "suspended": None, "suspended_reason": None})
    # the second value fails (NUL cannot be sent in a text value) after the
    # first was written in the same transaction
    with pytest.raises(ValueError):
        tenant.write_settings({"max_users": 5, "bad": "a\x00b"})
    assert tenant.read_settings() == {"max_users": "1"}


# -- the wall: a tenant's planted code never runs as the master ---------------------

def _plant(tenant, raising=False):
    conn = tenant.connect_as_tenant()
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(traps.plant_sql(raising=raising))
    conn.close()


def _trapped():
    conn = psycopg2.connect(dbname="postgres", connect_timeout=5, **PG)
    try:
        with conn.cursor() as cr:
            return traps.recorded_roles(cr)
    finally:
        conn.close()


def _drop_trapped():
    for role in _trapped():
        _sql("postgres", f'DROP ROLE "{role}"', fetch=False)


def test_tenant_door_logs_in_as_the_tenant(pg, dbs, odoo_tpl):
    """Every method of TenantDatabase that touches the tenant's tables does
    so in a session whose session_user is the tenant: the traps a hostile
    administrator planted on every way in run, and can become nobody else."""
    name, tenant = _odoo_tenant(pg, dbs, odoo_tpl)
    _plant(tenant)
    with tenant.connect_as_tenant() as conn, conn.cursor() as cr:
        cr.execute("SELECT session_user, current_user, current_setting('search_path')")
        assert cr.fetchone() == (name, name, "public")
    conn.close()
    hashed = ad.hash_password("Trap-Pa55")
    tenant.customise("Trap Co", "it@trap.test", "it@trap.test", hashed,
                     "http://trap.localhost", settings={"suspended": "0"})
    tenant.set_admin_password(hashed)
    # its FORCE'd policy would hide users: the master's count refuses it
    with pytest.raises(ad.TenantRefusedError, match="row-level security"):
        tenant.read_usage()
    assert tenant.module_states(["base"]) == {"base": "installed"}
    assert tenant.config_parameter("web.base.url") == "http://trap.localhost"
    tenant.write_settings({"max_users": 3})
    assert tenant.read_settings()["max_users"] == "3"
    assert _trapped() == []
    # the control: a session of the master that only SETs the tenant's role
    # is caught by the very same traps (so the ones above were live)
    conn = psycopg2.connect(dbname=name, options=f"-c role={name}", **PG)
    try:
        with conn, conn.cursor() as cr:
            cr.execute("UPDATE res_company SET name = name WHERE id = 1")
        assert len(_trapped()) >= 1
    finally:
        conn.close()
        _drop_trapped()


def test_tenant_door_refuses_master_credentials():
    with pytest.raises(ad.AdapterError, match="not a tenant's role"):
        ad.TenantDatabase(PG, _name(), tenant_credentials=(PG["user"], "x")).login_params()
    with pytest.raises(ad.AdapterError, match="no credentials"):
        ad.TenantDatabase(PG, _name()).login_params()


def test_raising_traps_fail_that_operation_only(pg, dbs, odoo_tpl):
    """A tenant whose objects raise: our statement fails with a clear
    TenantRefusedError and leaves nothing half-written (the master's
    settings included)."""
    name, tenant = _odoo_tenant(pg, dbs, odoo_tpl)
    _plant(tenant, raising=True)
    hashed = ad.hash_password("Trap-Pa55")
    with pytest.raises(ad.TenantRefusedError, match="trap .* refuses this statement"):
        tenant.customise("Trap Co", "", "it@trap.test", hashed, "http://trap.localhost",
                         settings={"suspended": "0"})
    assert tenant.read_settings() == {"suspended": "1"}
    assert _sql(name, "SELECT name FROM res_company WHERE id = 1") == [("My Company",)]
    with pytest.raises(ad.TenantRefusedError):
        tenant.set_admin_password(hashed)
    # its policy refuses our reads too; the master's own table still works
    with pytest.raises(ad.TenantRefusedError, match="row-level security"):
        tenant.read_usage()
    tenant.write_settings({"suspended": "1", "suspended_reason": "x"})
    assert _trapped() == []


def test_read_usage_counts_users_added_by_sql(pg, dbs, odoo_tpl):
    """Users put into base.group_user by SQL keep share = true: counted."""
    name, tenant = _odoo_tenant(pg, dbs, odoo_tpl)
    users, modules = tenant.read_usage()
    assert users == 1 and modules["base"] == "installed"
    with tenant.connect_as_tenant() as conn, conn.cursor() as cr:
        cr.execute("INSERT INTO res_partner (name, active) VALUES ('sql', true) RETURNING id")
        partner = cr.fetchone()[0]
        cr.execute("INSERT INTO res_users (login, partner_id, company_id, active, share) "
                   "VALUES ('sql@x.test', %s, 1, true, true) RETURNING id", [partner])
        uid = cr.fetchone()[0]
        cr.execute("""INSERT INTO res_groups_users_rel (gid, uid)
                      SELECT res_id, %s FROM ir_model_data
                       WHERE module = 'base' AND name = 'group_user'""", [uid])
    conn.close()
    assert tenant.read_usage()[0] == 2
