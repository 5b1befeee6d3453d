"""Fixtures shared by the end-to-end tests and by the adapter tests."""
import os
import subprocess
import textwrap
import time

import pytest

from adapters_common import (
    ODOO_PYTHON,
    ODOO_TPL,
    PG,
    TIMINGS,
    TPL_OWNER,
    _name,
    _odoo_template_ok,
    _sql,
    ad,
)
from adapters_common import PREFIX as ADAPTER_PREFIX
from odoo_server import OdooServer, setup_control_plane

PREFIX = os.environ.get("SAAS_TEST_PREFIX", "saas_test_")
E2E_ADDONS = "saas_provisioning,saas_backup,saas_dns,saas_sso,saas_portal,saas_webhook"


@pytest.fixture(scope="session")
def master_base():
    """A master database with saas_provisioning, its server record and the
    template 'Small' (base,web,portal) built, made once per session and
    never served afterwards: each end-to-end file's master starts as a copy
    of it (``OdooServer.install(modules, base=master_base)``) and installs
    only the addons it adds.  The copies share the template database, which
    no test changes; their own templates get other ids, hence other names."""
    srv = OdooServer(PREFIX + "e2e_base")
    srv.install("saas_provisioning")
    srv.start()
    try:
        setup_control_plane(srv.rpc(), srv.url)
    finally:
        srv.stop()
    return srv.db


@pytest.fixture(scope="session")
def server(master_base):
    """A real Odoo server with its job runner on the e2e master database,
    shared by the end-to-end files that need every addon of the master that
    reaches into tenants (the wall's trap suite runs each of their
    operations); each file terminates the tenants it made."""
    srv = OdooServer(PREFIX + "e2e_master")
    srv.install(E2E_ADDONS, base=master_base)
    srv.start()
    yield srv
    srv.stop()


# -- the adapter tests' (tests/test_adapter_*.py, test_watchdog.py) --------------

# pytest-odoo (in the venv) loads an Odoo registry for every test session
# through autouse fixtures, and fails without --odoo-database. The tests of
# this folder need no registry: same-named fixtures here replace the plugin's.
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


@pytest.fixture(scope="session")
def dbs(pg):
    """Names to drop at the end of the session (whatever the tests did)."""
    names = []
    yield names
    for name in names:
        pg.drop(name)
    leftovers = pg.list_databases(f"{ADAPTER_PREFIX}t_")
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
