"""What the adapter tests share (tests/test_adapter_*.py, test_watchdog.py;
their fixtures are in conftest.py): saas_provisioning/adapters against the
real PostgreSQL server.

The adapters are plain Python: they are loaded from their folder on their own
(saas_provisioning/__init__.py imports Odoo models and must not run here).
Every database made by these tests is named <prefix>t_<random> (prefix:
$SAAS_TEST_PREFIX, default ``h3_``) and dropped at the end, except the Odoo 18
template <prefix>odoo_tpl (``-i base``, about 25 s to build), kept for the
next runs.
"""
import os
import sys
import uuid
from pathlib import Path

import psycopg2

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from plainimport import load_file, load_package  # noqa: E402

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
ODOO_PYTHON = os.environ.get("SAAS_PYTHON", sys.executable)
TIMINGS = {}


# the adapters package from its folder, without saas_provisioning/__init__.py
ad = sys.modules.get("_saas_adapters_under_test") or load_package(
    "_saas_adapters_under_test", ADAPTERS_DIR)

creds = sys.modules.get("_saas_router_credentials_under_test") or load_file(
    "_saas_router_credentials_under_test", REPO / "saas_router" / "credentials.py")


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


def _odoo_template_ok(pg):
    if not pg.exists(ODOO_TPL):
        return False
    try:
        rows = _sql(ODOO_TPL, "SELECT state FROM ir_module_module WHERE name = 'base'")
    except psycopg2.Error:
        return False
    return rows == [("installed",)]


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
