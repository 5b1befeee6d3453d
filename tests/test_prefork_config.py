"""The prefork server cannot deadlock its job runner: in every configuration
we ship or generate, queue jobs get fewer HTTP workers than there are.

In the prefork server each job runs inside an HTTP worker (the job runner
calls /queue_job/runjob) and provisioning's verify step requests the new
tenant's login page from the same server: with as many jobs as workers,
every worker can be waiting for a page that no worker is free to serve.
(Seen with `./dev run --workers 2` and channels root:4: see README,
"Production".)  Plain Python, no database.
"""
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import devtool  # noqa: E402
import prod_split  # noqa: E402


@pytest.mark.parametrize("path", ["odoo.conf.example", "deploy/odoo.conf",
                                  "deploy/odoo-tenants.conf"])
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


def _read(path):
    import configparser  # noqa: PLC0415

    parser = configparser.RawConfigParser()
    parser.read(path)
    return parser


def test_run_split_configs(tmp_path, monkeypatch):
    """`./dev run --workers N`: the master's group (db_name, job runner,
    serve = master) and the tenants' (no db_name, no runner, serve =
    tenants, its own role, the map through its reader)."""
    monkeypatch.setattr(devtool, "RUN_DIR", tmp_path)
    ports = dict(master_http=1, master_gevent=2, tenants_http=3, tenants_gevent=4)
    master, tenants = (_read(p) for p in prod_split.write_configs(
        "x_master", "x_", 3, ports, run_dir=tmp_path))
    tenant_user, map_user = prod_split.role_names("x_")
    assert master["options"]["db_name"] == "x_master"
    assert master["options"]["db_user"] == devtool.PG_USER
    assert master["options"]["http_port"] == "1" and master["options"]["gevent_port"] == "2"
    assert master["queue_job"]["channels"].startswith("root:2,")
    assert master["saas_router"]["serve"] == "master"
    assert master["saas_router"]["route_map_user"] == map_user
    assert "route_map_password" not in master["saas_router"]
    assert tenants["options"]["db_name"] == "" and tenants["options"]["dbfilter"] == ""
    assert tenants["options"]["db_user"] == tenant_user != devtool.PG_USER
    assert tenants["options"]["db_password"] == prod_split.role_password(tenant_user)
    assert tenants["options"]["http_port"] == "3" and tenants["options"]["gevent_port"] == "4"
    assert tenants["options"]["workers"] == "3"
    assert tenants["queue_job"]["channels"] == "root:0"
    assert tenants["saas_router"]["serve"] == "tenants"
    assert tenants["saas_router"]["master_db"] == "x_master"
    assert tenants["saas_router"]["route_map_user"] == map_user
    assert tenants["saas_router"]["route_map_password"] == prod_split.role_password(map_user)
    assert len({prod_split.role_password(r) for r in (tenant_user, map_user)}) == 2
    for key in ("tenant_role_secret", "tenant_db_prefix", "base_domain"):
        assert tenants["saas_router"][key] == master["saas_router"][key]


def test_run_split_nginx(tmp_path):
    """The generated nginx.conf is valid and sends the master's names to
    the master's group, any other host to the tenants'."""
    ports = dict(master_http=8001, master_gevent=8002, tenants_http=8003, tenants_gevent=8004)
    conf = prod_split.write_nginx(tmp_path, 8005, ports, prod_split.master_names("localhost"))
    text = conf.read_text()
    assert "server_name localhost www.localhost 127.0.0.1 [::1];" in text
    master, tenants = text.split("\n    server {")[1:]
    assert "proxy_pass http://odoo_master;" in master and "default_server" not in master
    assert "proxy_pass http://odoo_tenants;" in tenants and "default_server" in tenants
    assert "upstream odoo_tenants { server 127.0.0.1:8003; }" in text
    nginx = next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()),
                 None)
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install -y nginx)")
    result = subprocess.run([nginx, "-t", "-q", "-c", str(conf), "-p", f"{tmp_path}/"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
