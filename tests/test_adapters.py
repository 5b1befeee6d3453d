"""Tests of saas_provisioning/adapters against the real PostgreSQL server.

The adapters are plain Python: they are loaded from their folder on their own
(saas_provisioning/__init__.py imports Odoo models and must not run here).
Every database made here is named <prefix>t_<random> (prefix: $SAAS_TEST_PREFIX,
default ``h3_``) and dropped at the end, except the Odoo 18 template
<prefix>odoo_tpl (``-i base``, about 25 s to build), kept for the next runs.
"""
import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from passlib.context import CryptContext

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from plainimport import load_file, load_package  # noqa: E402
import traps  # noqa: E402 (beside this file: on pytest's path)

ADAPTERS_DIR = REPO / "saas_provisioning" / "adapters"
PREFIX = os.environ.get("SAAS_TEST_PREFIX", "h3_")
PG = {
    "host": "127.0.0.1",
    "port": int(os.environ.get("SAAS_PG_PORT", "5433")),
    "user": "saas",
    "password": "saas",
}
ODOO_TPL = f"{PREFIX}odoo_tpl"
TPL_OWNER = f"{PREFIX}tpl_owner"
TENANT_SECRET = "x" * 40
HOSTILE_NAMES = ['x"; DROP DATABASE y; --', "a b", "", "../etc", "a/b", "x" * 64,
                 "é", "-dash", None, 42]
TIMINGS = {}


# the adapters package from its folder, without saas_provisioning/__init__.py
ad = sys.modules.get("_saas_adapters_under_test") or load_package(
    "_saas_adapters_under_test", ADAPTERS_DIR)


def _name(tag="t"):
    return f"{PREFIX}{tag}_{uuid.uuid4().hex[:10]}"


def _sql(dbname, query, args=None, fetch=True):
    conn = psycopg2.connect(dbname=dbname, connect_timeout=5, **PG)
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(query, args)
            return cr.fetchall() if fetch else None
    finally:
        conn.close()


# pytest-odoo (in the venv) loads an Odoo registry for every test session
# through autouse fixtures, and fails without --odoo-database. These tests need
# no registry: same-named fixtures here replace the plugin's for this module.
@pytest.fixture(scope="session", autouse=True)
def load_registry():
    yield


@pytest.fixture(scope="module", autouse=True)
def enable_odoo_test_flag():
    yield


@pytest.fixture(scope="session", autouse=True)
def _report_timings(request):
    yield
    if TIMINGS:
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print("\nadapter timings: " + ", ".join(
                f"{key} {value:.3f}s" for key, value in sorted(TIMINGS.items())))


@pytest.fixture(scope="session")
def pg():
    return ad.PgAdmin(PG)


# names that a ``dbs`` fixture will drop: test_watchdog imports the
# fixture, and pytest then keeps one instance per module
_PENDING = set()


class _Names(list):
    def append(self, name):
        _PENDING.add(name)
        super().append(name)

    def extend(self, names):
        for name in names:
            self.append(name)


@pytest.fixture(scope="session")
def dbs(pg):
    """Names to drop at the end of the session (whatever the tests did)."""
    names = _Names()
    yield names
    for name in names:
        pg.drop(name)
        _PENDING.discard(name)
    leftovers = [n for n in pg.list_databases(f"{PREFIX}t_") if n not in _PENDING]
    assert not leftovers, f"databases left behind: {leftovers}"


@pytest.fixture(scope="session")
def small_tpl(pg, dbs):
    """A small non-Odoo template: two tables with rows."""
    name = _name()
    dbs.append(name)
    pg.create_from_template(name, "template0")
    _sql(name, """CREATE TABLE item (id serial PRIMARY KEY, label varchar NOT NULL);
                  CREATE TABLE note (id serial PRIMARY KEY, body text);
                  INSERT INTO item (label) VALUES ('one'), ('two');
                  INSERT INTO note (body) VALUES ('hello');""", fetch=False)
    return name


@pytest.fixture
def clone(pg, dbs, small_tpl):
    name = _name()
    dbs.append(name)
    pg.create_from_template(name, small_tpl)
    return name


def _odoo_template_ok(pg):
    if not pg.exists(ODOO_TPL):
        return False
    try:
        rows = _sql(ODOO_TPL, "SELECT state FROM ir_module_module WHERE name = 'base'")
    except psycopg2.Error:
        return False
    return rows == [("installed",)]


@pytest.fixture(scope="session")
def odoo_conf(tmp_path_factory):
    """A minimal Odoo configuration of our own (the project's odoo.conf loads
    server-wide addons that these tests do not need)."""
    work = tmp_path_factory.mktemp("odoo")
    conf = work / "odoo.conf"
    conf.write_text(textwrap.dedent(f"""\
        [options]
        data_dir = {work / 'data'}
        db_host = {PG['host']}
        db_port = {PG['port']}
        db_user = {PG['user']}
        db_password = {PG['password']}
        list_db = False
        log_level = warn
        """))
    return conf


ODOO_PYTHON = os.environ.get("SAAS_PYTHON", sys.executable)


@pytest.fixture(scope="session")
def odoo_tpl(pg, odoo_conf):
    """An Odoo 18 database with `base`, built once (under a temporary name,
    then renamed: a crash never leaves a half-built template) and reused."""
    if _odoo_template_ok(pg):
        return ODOO_TPL
    pg.drop(ODOO_TPL)
    building = _name("tpl_build")
    t0 = time.monotonic()
    try:
        # as production builds them (saas.template): the objects belong to a
        # role that owns no database, and a clone hands them to its tenant
        pg.ensure_role(TPL_OWNER)
        pg.create_database(building)
        ad.TenantDatabase(PG, building).prepare_template(TPL_OWNER)
        res = subprocess.run(
            [ODOO_PYTHON, "-m", "odoo", "-c", str(odoo_conf), "-d", building, "-i", "base",
             "--stop-after-init", "--no-http", "--without-demo=all"],
            cwd=odoo_conf.parent, capture_output=True, text=True, timeout=600,
            env=dict(os.environ, PGOPTIONS=f"-c role={TPL_OWNER}"))
        ad.TenantDatabase(PG, building).finish_template(TPL_OWNER)
        assert res.returncode == 0, res.stderr[-3000:]
        pg.rename(building, ODOO_TPL)
    finally:
        pg.drop(building)
    TIMINGS["odoo_template_build"] = time.monotonic() - t0
    return ODOO_TPL


def _odoo_tenant(pg, dbs, odoo_tpl):
    """A clone of the Odoo template as the pipeline makes one: born owned by
    a role of its own name (allowed to log in), the objects handed to it;
    and the door to it (TenantDatabase with the role's credentials)."""
    name = _name()
    dbs.append(name)
    password = creds.derive_password(TENANT_SECRET, name)
    pg.ensure_role(name, creds.scram_verifier(password), login=True)
    pg.create_from_template(name, odoo_tpl, owner=name)
    pg.close_to_others(name)
    tenant = ad.TenantDatabase(PG, name, tenant_credentials=(name, password))
    tenant.hand_over(TPL_OWNER, name)
    return name, tenant


# -- names ------------------------------------------------------------------------

@pytest.mark.parametrize("bad", HOSTILE_NAMES)
def test_hostile_names_refused_and_nothing_changes(pg, small_tpl, bad, tmp_path):
    before = pg.list_databases()
    calls = [
        lambda: pg.exists(bad),
        lambda: pg.create_from_template(bad, small_tpl),
        lambda: pg.create_from_template(_name(), bad),
        lambda: pg.drop(bad),
        lambda: pg.size_bytes(bad),
        lambda: pg.sizes_bytes([small_tpl, bad]),
        lambda: pg.terminate_connections(bad),
        lambda: pg.allow_connections(bad, False),
        lambda: pg.set_is_template(bad, True),
        lambda: pg.rename(small_tpl, bad),
        lambda: pg.rename(bad, _name()),
        lambda: ad.TenantDatabase(PG, bad),
        lambda: ad.Filestore(tmp_path).path(bad),
        lambda: ad.Filestore(tmp_path).remove(bad),
    ]
    if bad:  # an empty prefix is legitimate: it lists everything
        calls.append(lambda: pg.list_databases(bad))
    for call in calls:
        with pytest.raises(ValueError):
            call()
    assert pg.list_databases() == before
    assert list(tmp_path.iterdir()) == []


def test_system_databases_protected(pg):
    for name in ("postgres", "template0", "template1"):
        with pytest.raises(ad.InvalidNameError):
            pg.drop(name)
        with pytest.raises(ad.InvalidNameError):
            pg.allow_connections(name, False)
    assert pg.exists("postgres")


# -- PgAdmin ----------------------------------------------------------------------

def test_clone_exists_size_drop_idempotent(pg, dbs, small_tpl):
    name = _name()
    dbs.append(name)
    assert not pg.exists(name)
    t0 = time.monotonic()
    pg.create_from_template(name, small_tpl)
    TIMINGS["clone_small_template"] = time.monotonic() - t0
    assert pg.exists(name)
    assert _sql(name, "SELECT label FROM item ORDER BY id") == [("one",), ("two",)]
    assert pg.size_bytes(name) > 1_000_000
    assert pg.sizes_bytes([name, small_tpl, PREFIX + "missing"]) == {
        name: pg.size_bytes(name), small_tpl: pg.size_bytes(small_tpl)}
    assert name in pg.list_databases(PREFIX)
    assert pg.drop(name) is True
    assert not pg.exists(name)
    assert pg.drop(name) is False
    with pytest.raises(ad.DatabaseNotFoundError):
        pg.size_bytes(name)


def test_clone_errors(pg, small_tpl):
    with pytest.raises(ad.DatabaseExistsError):
        pg.create_from_template(small_tpl, "template0")
    missing = _name()
    with pytest.raises(ad.DatabaseNotFoundError):
        pg.create_from_template(_name(), missing)
    assert not pg.exists(missing)


def test_busy_template_then_terminate(pg, dbs, clone):
    held = psycopg2.connect(dbname=clone, **PG)
    try:
        assert pg.connection_count(clone) == 1
        target = _name()
        dbs.append(target)
        t0 = time.monotonic()
        with pytest.raises(ad.TemplateBusyError) as info:
            pg.create_from_template(target, clone)
        # PostgreSQL waits 5 s for the other sessions before giving up
        TIMINGS["busy_template_error"] = time.monotonic() - t0
        assert isinstance(info.value, ad.DatabaseInUseError)
        assert not pg.exists(target)
        assert pg.terminate_connections(clone) == 1
        assert pg.connection_count(clone) == 0
        with pytest.raises(psycopg2.OperationalError):
            with held.cursor() as cr:
                cr.execute("SELECT 1")
        pg.create_from_template(target, clone)
        assert pg.exists(target)
    finally:
        held.close()


def test_allow_connections(pg, dbs, clone):
    pg.allow_connections(clone, False)
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(dbname=clone, **PG).close()
    with pytest.raises(ad.ConnectionsNotAllowedError):
        ad.TenantDatabase(PG, clone).read_settings()
    # a template needs no connection to be copied
    copy = _name()
    dbs.append(copy)
    pg.create_from_template(copy, clone)
    assert _sql(copy, "SELECT count(*) FROM item") == [(2,)]
    pg.allow_connections(clone, True)
    assert _sql(clone, "SELECT count(*) FROM note") == [(1,)]
    # a database without connections can still be dropped
    pg.allow_connections(copy, False)
    assert pg.drop(copy)


def test_drop_with_open_connection_and_template_flag(pg, clone):
    pg.set_is_template(clone, True)
    assert pg.is_template(clone)
    held = psycopg2.connect(dbname=clone, **PG)
    try:
        assert pg.drop(clone)
    finally:
        held.close()
    assert not pg.exists(clone)


def test_list_databases_escapes_like_wildcards(pg, dbs, small_tpl):
    stem = f"{PREFIX}t_{uuid.uuid4().hex[:8]}"
    wanted, lookalike = f"{stem}_x", f"{stem}ax"
    for name in (wanted, lookalike):
        dbs.append(name)
        pg.create_from_template(name, small_tpl)
    assert pg.list_databases(f"{stem}_") == [wanted]  # '_' is not "any character"
    assert pg.list_databases(stem) == sorted([wanted, lookalike])
    assert pg.list_databases(f"{stem}_x") == [wanted]
    assert pg.list_databases(f"{stem}-") == []


def test_rename(pg, dbs, clone, small_tpl):
    new = _name()
    dbs.append(new)
    held = psycopg2.connect(dbname=clone, **PG)  # terminated by rename
    try:
        pg.rename(clone, new)
    finally:
        held.close()
    assert pg.exists(new) and not pg.exists(clone)
    with pytest.raises(ad.DatabaseExistsError):
        pg.rename(new, small_tpl)
    with pytest.raises(ad.DatabaseNotFoundError):
        pg.rename(clone, _name())


def test_unreachable_server_fails_fast():
    t0 = time.monotonic()
    with pytest.raises(ad.ServerUnreachableError):
        ad.PgAdmin(dict(PG, port=1)).exists("postgres")
    with pytest.raises(ad.ServerUnreachableError):
        ad.TenantDatabase(dict(PG, port=1), "whatever").read_settings()
    assert time.monotonic() - t0 < 3
    with pytest.raises(ad.ServerUnreachableError):
        ad.PgAdmin(dict(PG, password="wrong")).ping()
    assert ad.PgAdmin(PG).ping() >= 130000  # WITH (FORCE) needs 13+


def test_missing_tenant_database():
    with pytest.raises(ad.DatabaseNotFoundError):
        ad.TenantDatabase(PG, _name()).read_settings()


# -- TenantDatabase: settings -----------------------------------------------------

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


# -- Filestore --------------------------------------------------------------------

def _make_files(root, db):
    base = root / db
    (base / "ab").mkdir(parents=True)
    (base / "cd").mkdir()
    (base / "ab" / "ab12").write_bytes(b"x" * 1000)
    (base / "cd" / "cd34").write_bytes(b"y" * 500)
    (base / "checklist").mkdir()
    return base


def test_filestore_copy_size_remove(tmp_path):
    fs = ad.Filestore(tmp_path)
    _make_files(tmp_path, "src_db")
    assert fs.exists("src_db") and not fs.exists("dst_db")
    assert fs.size_bytes("src_db") == 1500
    assert fs.size_bytes("dst_db") == 0
    assert fs.copy("src_db", "dst_db") == 2
    assert fs.size_bytes("dst_db") == 1500
    assert (tmp_path / "dst_db" / "checklist").is_dir()
    # hard links: same inode, and deleting one side leaves the other intact
    a, b = tmp_path / "src_db" / "ab" / "ab12", tmp_path / "dst_db" / "ab" / "ab12"
    assert a.stat().st_ino == b.stat().st_ino
    a.unlink()
    assert b.read_bytes() == b"x" * 1000
    assert fs.remove("dst_db") is True
    assert fs.remove("dst_db") is False
    assert not fs.exists("dst_db")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src_db"]
    assert fs.path("src_db") == str(tmp_path / "src_db")


def test_filestore_copy_replaces_crashed_attempt(tmp_path):
    fs = ad.Filestore(tmp_path)
    _make_files(tmp_path, "src_db")
    stale = tmp_path / "dst_db" / "zz"
    stale.mkdir(parents=True)
    (stale / "zz99").write_bytes(b"stale")
    leftover = tmp_path / f".saas-tmp-dst_db-{uuid.uuid4().hex}"
    leftover.mkdir()
    assert fs.copy("src_db", "dst_db") == 2
    assert not (tmp_path / "dst_db" / "zz").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dst_db", "src_db"]
    assert fs.copy("src_db", "dst_db") == 2  # again: same result
    assert fs.size_bytes("dst_db") == 1500


def test_filestore_missing_source_and_rename(tmp_path):
    fs = ad.Filestore(tmp_path / "not-yet")
    assert fs.copy("src_db", "dst_db") == 0
    assert not fs.exists("dst_db")
    fs = ad.Filestore(tmp_path)
    (tmp_path / "dst_db").mkdir()
    assert fs.copy("src_db", "dst_db") == 0  # source without files: no stale copy
    assert not fs.exists("dst_db")
    _make_files(tmp_path, "a_db")
    fs.rename("a_db", "b_db")
    assert fs.exists("b_db") and not fs.exists("a_db")
    (tmp_path / "c_db").mkdir()
    with pytest.raises(ad.AdapterError):
        fs.rename("b_db", "c_db")
    with pytest.raises(ValueError):
        fs.copy("b_db", "b_db")
    for bad in ("..", "a/../b", "../x", "/etc", ".hidden"):
        with pytest.raises(ValueError):
            fs.copy("b_db", bad)


def test_filestore_copy_falls_back_when_links_fail(tmp_path, monkeypatch):
    import errno

    def no_link(src, dst):
        raise OSError(errno.EXDEV, "cross-device link")

    monkeypatch.setattr(os, "link", no_link)
    fs = ad.Filestore(tmp_path)
    _make_files(tmp_path, "src_db")
    assert fs.copy("src_db", "dst_db") == 2
    a, b = tmp_path / "src_db" / "cd" / "cd34", tmp_path / "dst_db" / "cd" / "cd34"
    assert a.stat().st_ino != b.stat().st_ino
    assert b.read_bytes() == a.read_bytes()


# -- password hashing and Odoo 18 customisation ------------------------------------

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


def test_concurrent_clones_of_one_template(pg, dbs, small_tpl):
    """Several clones of one template at once: PostgreSQL serialises them or
    reports the template busy; either way each ends created or cleanly
    refused, never half-made."""
    names = [_name() for _ in range(3)]
    dbs.extend(names)
    results = {}

    def work(n):
        try:
            pg.create_from_template(n, small_tpl)
            results[n] = "ok"
        except ad.TemplateBusyError:
            results[n] = "busy"

    threads = [threading.Thread(target=work, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(results) == set(names)
    for n, result in results.items():
        assert pg.exists(n) == (result == "ok")
    assert "ok" in results.values()


# -- tenant roles -------------------------------------------------------------------

creds = sys.modules.get("_saas_router_credentials_under_test") or load_file(
    "_saas_router_credentials_under_test", REPO / "saas_router" / "credentials.py")


@pytest.fixture
def tenant(pg, dbs, small_tpl):
    """A database born owned by a role of its own name, closed to others."""
    name = _name()
    dbs.append(name)
    password = creds.derive_password("x" * 40, name)
    pg.ensure_role(name, creds.scram_verifier(password))
    pg.create_from_template(name, small_tpl, owner=name)
    pg.close_to_others(name)
    yield name, password
    pg.drop(name)
    pg.drop_role(name)


def _connect_as(role, password, dbname):
    return psycopg2.connect(host=PG["host"], port=PG["port"], user=role, password=password,
                            dbname=dbname, connect_timeout=5)


def test_derived_passwords():
    secret = "s" * 40
    one = creds.derive_password(secret, "saas_t_a")
    assert one == creds.derive_password(secret, "saas_t_a")
    assert one != creds.derive_password(secret, "saas_t_b")
    assert one != creds.derive_password("t" * 40, "saas_t_a")
    verifier = creds.scram_verifier(one)
    assert verifier.startswith("SCRAM-SHA-256$4096:") and one not in verifier


def test_tenant_role_login_only_when_allowed(pg, tenant):
    db, password = tenant
    assert pg.database_owner(db) == db
    with pytest.raises(psycopg2.OperationalError, match="not permitted to log in"):
        _connect_as(db, password, db)
    pg.set_login(db, True)
    conn = _connect_as(db, password, db)
    with conn.cursor() as cr:
        cr.execute("SELECT current_user, pg_has_role(current_user, 'pg_signal_backend', "
                   "'MEMBER'), has_database_privilege('public', current_database(), 'CONNECT')")
        assert cr.fetchone() == (db, False, False)
    conn.close()
    with pytest.raises(psycopg2.OperationalError, match="wrong|authentication failed"):
        _connect_as(db, "not-the-password", db)
    # ensure_role again (a retried clone step) closes it, keeps it ours
    pg.ensure_role(db, creds.scram_verifier(password))
    with pytest.raises(psycopg2.OperationalError, match="not permitted to log in"):
        _connect_as(db, password, db)


def test_master_cannot_grant_itself_predefined_roles():
    """PostgreSQL 16+: CREATEROLE administers only the roles it created.  On
    15 the master's role could grant itself pg_execute_server_program (then
    COPY ... TO PROGRAM is a shell as the postgres OS user)."""
    assert int(_sql("postgres", "SHOW server_version_num")[0][0]) >= 160000
    for predefined in ("pg_execute_server_program", "pg_read_server_files",
                       "pg_write_server_files", "pg_signal_backend"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            _sql("postgres", f"GRANT {predefined} TO CURRENT_USER", fetch=False)
    assert _sql("postgres", "SELECT pg_has_role(current_user, 'pg_execute_server_program', "
                            "'MEMBER')") == [(False,)]


def test_tenant_role_cannot_connect_elsewhere(pg, dbs, tenant):
    db, password = tenant
    pg.set_login(db, True)
    other = _name()
    dbs.append(other)
    pg.create_database(other)
    with pytest.raises(psycopg2.OperationalError, match="permission denied for database"):
        _connect_as(db, password, other)
    pg.drop(other)


def test_role_with_powers_is_refused(pg):
    role, power = _name("r"), _name("p")
    _sql("postgres", f'CREATE ROLE "{role}" NOLOGIN; CREATE ROLE "{power}" NOLOGIN; '
                     f'GRANT "{power}" TO "{role}"', fetch=False)
    try:
        with pytest.raises(ad.AdapterError, match="refusing to use it"):
            pg.ensure_role(role)
    finally:
        pg.drop_role(role)
        pg.drop_role(power)
    assert not pg.role_exists(role)
    assert pg.drop_role(role) is False  # idempotent
    for name in ("postgres", PG["user"], "pg_signal_backend", "x y"):
        with pytest.raises(ad.InvalidNameError):
            pg.drop_role(name)


def test_settings_not_ours_are_never_written(pg, tenant):
    """A tenant that planted its own saas_control.tenant_setting (with a trigger that
    would run as us) gets a clear refusal; nothing of ours runs there."""
    db, password = tenant
    pg.set_login(db, True)
    conn = _connect_as(db, password, db)
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute("CREATE SCHEMA saas_control; CREATE TABLE saas_control.tenant_setting "
                   "(key varchar PRIMARY KEY, value text NOT NULL, write_date timestamp)")
    conn.close()
    with pytest.raises(ad.AdapterError, match="not owned by the master"):
        ad.TenantDatabase(PG, db).write_settings({"suspended": "1"})
    assert _sql(db, "SELECT count(*) FROM saas_control.tenant_setting") == [(0,)]


def test_master_session_ignores_tenant_database_defaults(pg, tenant):
    """Defaults the tenant set on its own database (a search_path through
    its schemas, read-only transactions) do not reach our sessions."""
    db, password = tenant
    tenant_db = ad.TenantDatabase(PG, db, tenant_credentials=(db, password))
    tenant_db.write_settings({"suspended": "0"})
    pg.set_login(db, True)
    conn = _connect_as(db, password, db)
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(f'ALTER DATABASE "{db}" SET search_path = evil, public')
        cr.execute(f'ALTER DATABASE "{db}" SET default_transaction_read_only = on')
    conn.close()
    tenant_db.write_settings({"suspended": "1"})
    assert tenant_db.read_settings()["suspended"] == "1"
    assert _sql(db, "SELECT current_setting('search_path')")[0][0] == "evil, public"


def test_hand_over_of_an_outdated_template_is_refused(pg, tenant):
    """small_tpl's tables belong to our own role, not to an objects owner:
    a clone of it cannot be handed to its tenant, and says why."""
    db, _password = tenant
    owner = _name("owner")
    pg.ensure_role(owner)
    try:
        with pytest.raises(ad.TemplateOutdatedError, match="rebuild the template"):
            ad.TenantDatabase(PG, db).hand_over(owner, db)
    finally:
        pg.drop_role(owner)


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


# -- the tenant's login: suspension, the master's windows, reactivation -----------

def _tenant_role_and_db(pg, dbs):
    name = _name()
    dbs.append(name)
    password = creds.derive_password(TENANT_SECRET, name)
    pg.ensure_role(name, creds.scram_verifier(password), login=True)
    pg.create_from_template(name, "template0", owner=name)
    return name, dict(PG, user=name, password=password, dbname=name)


def _can_login(role):
    return _sql("postgres", "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [role])[0][0]


def test_tenant_login_lock_windows_and_unlock(pg, dbs):
    role, login = _tenant_role_and_db(pg, dbs)
    served = [True]
    access = ad.TenantLogin(PG, role, lambda: served[0])
    session = psycopg2.connect(**login)  # the tenant, at work
    session.autocommit = True
    # suspension: NOLOGIN, and its session is ended
    served[0] = False
    assert access.lock() is True
    assert _can_login(role) is False
    with pytest.raises(psycopg2.OperationalError):
        session.cursor().execute("SELECT 1")
    with pytest.raises(psycopg2.OperationalError, match="not permitted to log in"):
        psycopg2.connect(**login)
    # the master's window: it may log in as the tenant, and NOLOGIN comes back
    with access.window():
        conn = psycopg2.connect(**login)
        conn.close()
        # nested windows (a backup inside a restore): the outer one relocks
        with access.window():
            assert _can_login(role) is True
        assert _can_login(role) is True
    assert _can_login(role) is False
    # a suspension while a window is open waits for it to end
    with access.window():
        busy = psycopg2.connect(**login)
        assert access.lock() is False
        assert busy.cursor() and _can_login(role) is True
    assert _can_login(role) is False
    assert _sql("postgres", "SELECT count(*) FROM pg_stat_activity WHERE usename = %s",
                [role]) == [(0,)]
    # reactivation: LOGIN; a window ending meanwhile does not take it back
    with access.window(), access.unlocked():
        pg.set_login(role, True)
        served[0] = True
    assert _can_login(role) is True
    conn = psycopg2.connect(**login)
    conn.close()
    # a window on a served tenant changes nothing
    with access.window():
        pass
    assert _can_login(role) is True
    session.close()


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
