"""Fixtures shared by the end-to-end tests."""
import os

import pytest

from odoo_server import OdooServer

PREFIX = os.environ.get("SAAS_TEST_PREFIX", "saas_test_")


@pytest.fixture(scope="module")
def server():
    """A real Odoo server with its job runner on the e2e master database
    (created once, kept between the test files of a run)."""
    srv = OdooServer(PREFIX + "e2e_master")
    srv.install()
    srv.start()
    yield srv
    srv.stop()
