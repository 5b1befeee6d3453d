"""Password hashing as Odoo 18 does it, and the customisation of a new
Odoo clone (TenantDatabase.customise, set_admin_password), checked by
Odoo's own login."""
import subprocess
import time
import uuid

import pytest
from passlib.context import CryptContext

from adapters_common import ODOO_PYTHON, TIMINGS, _odoo_tenant, _sql, ad


# Odoo 18's res.users._crypt_context(), rebuilt independently of the adapter
ODOO_CONTEXT = CryptContext(["pbkdf2_sha512", "plaintext"], deprecated=["auto"],
                            pbkdf2_sha512__rounds=600_000)


def test_hash_password_matches_odoo():
    t0 = time.monotonic()
    hashed = ad.hash_password("s3cret-pass")
    TIMINGS["hash_password"] = time.monotonic() - t0
    assert hashed.startswith("$pbkdf2-sha512$600000$")
    assert ad.hash_password("s3cret-pass") != hashed  # salted
    valid, replacement = ODOO_CONTEXT.verify_and_update("s3cret-pass", hashed)
    assert valid and replacement is None  # accepted, and no re-hash at login
    assert not ODOO_CONTEXT.verify("wrong", hashed)
    with pytest.raises(ValueError):
        ad.hash_password("")


def test_customise_odoo_clone(pg, dbs, odoo_tpl):
    t0 = time.monotonic()
    name, tenant = _odoo_tenant(pg, dbs, odoo_tpl)
    TIMINGS["clone_odoo_base"] = time.monotonic() - t0
    tpl_params = dict(_sql(odoo_tpl, "SELECT key, value FROM ir_config_parameter"))
    hashed = ad.hash_password("Tenant-Pa55")

    # refuses a plain password, and changes nothing
    with pytest.raises(ValueError):
        tenant.customise("Acme", "boss@acme.test", "boss@acme.test", "Tenant-Pa55",
                         "https://acme.example.com")
    t0 = time.monotonic()
    db_uuid = tenant.customise("Acme & Sons", "Info@Acme.test", "boss@acme.test", hashed,
                               "https://acme.example.com/")
    TIMINGS["customise"] = time.monotonic() - t0

    params = dict(_sql(name, "SELECT key, value FROM ir_config_parameter"))
    assert params["database.uuid"] == db_uuid != tpl_params["database.uuid"]
    assert params["database.secret"] != tpl_params["database.secret"]
    assert len(params["database.secret"]) >= 32
    assert params["web.base.url"] == "https://acme.example.com"
    assert params["web.base.url.freeze"] == "True"
    assert tenant.config_parameter("web.base.url") == "https://acme.example.com"

    [(cname, cemail, cpartner)] = _sql(
        name, "SELECT name, email, partner_id FROM res_company WHERE id = 1")
    assert (cname, cemail) == ("Acme & Sons", "Info@Acme.test")
    [partner] = _sql(name, "SELECT name, email, complete_name, commercial_company_name "
                           "FROM res_partner WHERE id = %s", [cpartner])
    assert partner == ("Acme & Sons", "Info@Acme.test", "Acme & Sons", "Acme & Sons")
    [(login, password, upartner)] = _sql(
        name, "SELECT login, password, partner_id FROM res_users WHERE id = ("
              "SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'user_admin')")
    assert login == "boss@acme.test"
    assert password == hashed
    assert ODOO_CONTEXT.verify("Tenant-Pa55", password)
    assert _sql(name, "SELECT email FROM res_partner WHERE id = %s", [upartner]) == [
        ("Info@Acme.test",)]
    assert _sql(name, "SELECT count(*) FROM res_users WHERE login = 'admin'") == [(0,)]
    # the template is untouched
    assert _sql(odoo_tpl, "SELECT login FROM res_users WHERE id = 2") == [("admin",)]

    assert tenant.read_usage()[0] == 1
    assert tenant.module_states(["base", "web", "no_such_module"])["base"] == "installed"
    assert "no_such_module" not in tenant.module_states(["no_such_module"])
    # the caller may impose the uuid (e.g. to keep a tenant's identity on restore)
    fixed = str(uuid.uuid4())
    assert tenant.customise("Acme", "", "boss@acme.test", hashed, "http://acme.localhost",
                            uuid=fixed) == fixed
    assert tenant.config_parameter("database.uuid") == fixed
    assert _sql(name, "SELECT email FROM res_company WHERE id = 1") == [(None,)]
    tenant.write_settings({"max_users": 2})
    # (a clone is born suspended: its template says so)
    assert tenant.read_settings() == {"max_users": "2", "suspended": "1"}
    # the master's settings come with the customisation; a bad key is
    # refused before anything is written
    with pytest.raises(ValueError):
        tenant.customise("Bad Co", "", "boss@acme.test", hashed, "http://acme.localhost",
                         settings={"": "1"})
    assert _sql(name, "SELECT name FROM res_company WHERE id = 1") == [("Acme",)]
    tenant.customise("Acme", "", "boss@acme.test", None, "http://acme.localhost",
                     settings={"suspended": "0", "max_users": 3})
    assert tenant.read_settings() == {"max_users": "3", "suspended": "0"}
    # no hash: no password at all, nobody logs in as the admin
    assert _sql(name, "SELECT password FROM res_users WHERE login = 'boss@acme.test'") == [
        (None,)]
    tenant.set_admin_password(hashed)
    assert _sql(name, "SELECT password FROM res_users WHERE login = 'boss@acme.test'") == [
        (hashed,)]
    with pytest.raises(ValueError):
        tenant.set_admin_password("plain")


ODOO_LOGIN_CHECK = """
import sys
import odoo
from odoo.exceptions import AccessDenied
from odoo.modules.registry import Registry
conf, db, login, password = sys.argv[1:5]
odoo.tools.config.parse_config(["-c", conf])
users = Registry(db)["res.users"]
env = {"interactive": True}
uid = users.authenticate(db, {"type": "password", "login": login, "password": password}, env)["uid"]
try:
    users.authenticate(db, {"type": "password", "login": login, "password": "wrong"}, env)
    print("WRONG PASSWORD ACCEPTED")
except AccessDenied:
    print("LOGIN OK", uid)
"""


def test_odoo_login_accepts_customised_admin(pg, dbs, odoo_tpl, odoo_conf):
    """The real check: Odoo 18's own res.users.authenticate() (registry
    loaded in a subprocess, about 5 s) accepts the new login and password."""
    name, tenant = _odoo_tenant(pg, dbs, odoo_tpl)
    tenant.customise(
        "Login Co", "it@login.test", "it@login.test", ad.hash_password("Login-Pa55"),
        "http://login.localhost:8069")
    t0 = time.monotonic()
    res = subprocess.run(
        [ODOO_PYTHON, "-c", ODOO_LOGIN_CHECK, str(odoo_conf), name, "it@login.test",
         "Login-Pa55"],
        cwd=odoo_conf.parent, capture_output=True, text=True, timeout=120)
    TIMINGS["odoo_login_check_subprocess"] = time.monotonic() - t0
    assert res.returncode == 0, res.stderr[-3000:]
    admin_uid = _sql(name, "SELECT res_id FROM ir_model_data "
                           "WHERE module = 'base' AND name = 'user_admin'")[0][0]
    assert res.stdout.strip().splitlines()[-1] == f"LOGIN OK {admin_uid}"


def test_customise_is_one_transaction(pg, dbs, odoo_tpl):
    name, tenant = _odoo_tenant(pg, dbs, odoo_tpl)
    before = _sql(name, "SELECT key, value FROM ir_config_parameter ORDER BY key")
    # 'public' is the login of another user: the unique login fails last
    with pytest.raises(ad.AdapterError):
        tenant.customise("Other Co", "a@b.test", "public", ad.hash_password("x"),
                         "https://other.example.com")
    assert _sql(name, "SELECT key, value FROM ir_config_parameter ORDER BY key") == before
    assert _sql(name, "SELECT name FROM res_company WHERE id = 1") == [("My Company",)]
