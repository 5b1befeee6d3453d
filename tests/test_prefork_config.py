"""The prefork server cannot deadlock its job runner: in every configuration
we ship or generate, queue jobs get fewer HTTP workers than there are.

In the prefork server each job runs inside an HTTP worker (the job runner
calls /queue_job/runjob) and provisioning's verify step requests the new
tenant's login page from the same server: with as many jobs as workers,
every worker can be waiting for a page that no worker is free to serve.
(Seen with `./dev run --workers 2` and channels root:4: see README,
"Production".)  Plain Python, no database.
"""
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import devtool  # noqa: E402


@pytest.mark.parametrize("path", ["odoo.conf.example", "deploy/odoo.conf"])
def test_shipped_configs_keep_a_worker_free_of_jobs(path):
    assert devtool.job_capacity_problem(REPO / path) is None


@pytest.mark.parametrize("workers", [0, 2, 3, 4, 9])
def test_generated_config_fits_its_workers(tmp_path, monkeypatch, workers):
    monkeypatch.setattr(devtool, "RUN_DIR", tmp_path)  # its tenant_role_secret
    conf = devtool.write_config(db_name="x_master", path=tmp_path / "odoo.conf",
                                prefix="x_", workers=workers)
    assert devtool.job_capacity_problem(conf) is None
    text = conf.read_text()
    assert f"\nworkers = {workers}\n" in text
    if workers:
        assert f"channels = root:{workers - 1}," in text


def test_a_config_giving_jobs_every_worker_is_refused(tmp_path):
    conf = tmp_path / "odoo.conf"
    conf.write_text("[options]\nworkers = 4\n[queue_job]\nchannels = root:4,root.saas_clone:2\n")
    assert "give root at most 3" in devtool.job_capacity_problem(conf)
    conf.write_text("[options]\nworkers = 0\n[queue_job]\nchannels = root:4\n")
    assert devtool.job_capacity_problem(conf) is None  # threaded: a thread per request
    with pytest.raises(ValueError, match="workers = 1"):
        devtool.job_channels(1)


def test_run_takes_workers_into_its_config():
    assert devtool.workers_option(["--workers", "2", "--max-cron-threads", "1"]) == (
        2, ["--max-cron-threads", "1"])
    assert devtool.workers_option(["--workers=3"]) == (3, [])
    assert devtool.workers_option(["--dev=all"]) == (0, ["--dev=all"])
