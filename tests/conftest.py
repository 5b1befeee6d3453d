"""Fixtures shared by the end-to-end tests."""
import os

import pytest

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
