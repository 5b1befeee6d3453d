"""Fixtures shared by the end-to-end tests."""
import os

import pytest

from odoo_server import OdooServer

PREFIX = os.environ.get("SAAS_TEST_PREFIX", "saas_test_")
E2E_ADDONS = "saas_provisioning,saas_backup,saas_dns,saas_sso,saas_portal,saas_webhook"


@pytest.fixture(scope="module")
def server():
    """A real Odoo server with its job runner on the e2e master database
    (created once, kept between the test files of a run)."""
    srv = OdooServer(PREFIX + "e2e_master")
    # every addon of the master that reaches into tenants (the wall's trap
    # suite runs each of their operations); one install, one template build
    # for all the end-to-end files
    srv.install(E2E_ADDONS)
    srv.start()
    yield srv
    srv.stop()
