"""Every tenant's crons run, and idle tenants cost no registry load: the
cron dispatcher of saas_router against real tenant databases, each owned by
its own role (bench/cron_dispatch.py's scenario, with a few tenants)."""
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PREFIX = os.environ.get("SAAS_TEST_PREFIX", "saas_test_") + "cron_"


def test_due_tenants_run_idle_tenants_cost_nothing():
    env = dict(os.environ, SAAS_BENCH_PREFIX=PREFIX)
    res = subprocess.run(
        [os.environ.get("SAAS_PYTHON", sys.executable), str(REPO / "bench" / "cron_dispatch.py"),
         "-n", "4", "--due", "2", "--json"],
        env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    figures = json.loads(res.stdout.strip().splitlines()[-1])
    tenants = figures["tenants"]  # opaque names, as the control plane gives
    assert len(tenants) == 4 and all(t.startswith(f"{PREFIX}t_") for t in tenants)
    # idle tenants: read once, then not at all; nothing run, nothing loaded
    assert figures["first_pass_reads"] == 4
    assert figures["first_pass_processed"] == []
    assert figures["next_pass_reads"] == 0
    assert figures["next_pass_processed"] == []
    assert figures["registries_after_idle_passes"] == []
    # the two due tenants: their job ran, as them, and only their registries loaded
    assert sorted(figures["due_pass_processed"]) == sorted(tenants[:2])
    assert figures["registries_after_due_pass"] == sorted(tenants[:2])
    assert figures["due_crons_ran"] == {tenants[0]: 1, tenants[1]: 1}
