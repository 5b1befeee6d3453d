"""saas_provisioning/usage.py without Odoo: the figures of a measure, when
the storage figure is shipped to the tenant, and how a measure is judged
against the plan (fixed dates: any day gives the same answers)."""
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from plainimport import load_folder  # noqa: E402

load_folder("_saas_prov_usage", REPO / "saas_provisioning")
from _saas_prov_usage import usage  # noqa: E402

NOW = datetime(2026, 3, 10, 8, 0, 0)


def test_figures_of_a_measure():
    vals = usage.figures(4, 3 * 2**20, 2**19)
    assert vals == {"user_count": 4, "db_size_mb": 3.0, "filestore_size_mb": 0.5}
    assert set(vals) == set(usage.FIGURES)
    assert usage.used_mb(vals["db_size_mb"], vals["filestore_size_mb"]) == 3.5
    assert usage.used_mb(False, None) == 0.0


def test_storage_is_shipped_when_it_moved_or_is_old():
    plans = usage.plans_setting([("S", 100), ("L", 0)])
    assert json.loads(plans) == [{"max_storage_mb": 100, "name": "S"},
                                 {"max_storage_mb": 0, "name": "L"}]
    recent = NOW - timedelta(hours=1)
    assert usage.storage_settings(10.4, 10.0, recent, NOW, plans) is None, "barely moved"
    shipped = usage.storage_settings(11.5, 10.0, recent, NOW, plans)
    assert shipped == {"storage_used_mb": "11.500", "storage_measured_at": "2026-03-10 08:00:00",
                       "storage_plans": plans}
    old = NOW - usage.SHIP_AT_LEAST_EVERY
    assert usage.storage_settings(10.0, 10.0, old, NOW, plans), "a day old: shipped again"
    assert usage.storage_settings(10.0, 10.0, None, NOW, plans), "never measured: shipped"


@pytest.mark.parametrize("users, max_users, used, max_mb, over", [
    (3, 3, 100.0, 100, {}),
    (4, 3, 10.0, 100, {usage.USERS: (4, 3)}),
    (40, 0, 100.5, 100, {usage.STORAGE: (100.5, 100)}),
    (9, 3, 500.0, 100, {usage.USERS: (9, 3), usage.STORAGE: (500.0, 100)}),
    (9, 0, 500.0, 0, {}),
])
def test_over_the_plan(users, max_users, used, max_mb, over):
    assert usage.over_limits(users, max_users, used, max_mb) == over


@pytest.mark.parametrize("over, since, grace, actions", [
    ({}, None, 3, ()),
    ({}, NOW - timedelta(days=1), 3, (usage.CLEAR,)),
    ({"users": "x"}, None, 3, (usage.NOTICE,)),
    ({"users": "x"}, None, 0, (usage.NOTICE, usage.SUSPEND)),
    ({"users": "x"}, NOW - timedelta(days=2), 3, ()),
    ({"users": "x"}, NOW - timedelta(days=3), 3, (usage.SUSPEND,)),
])
def test_what_a_measure_leads_to(over, since, grace, actions):
    assert usage.limit_actions(over, since, NOW, grace) == actions
