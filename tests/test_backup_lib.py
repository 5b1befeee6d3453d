"""saas_backup/lib without a registry: storage against moto's real S3 server
and a directory, the archive against the real PostgreSQL (a tenant role owns
the database, as in production), retention over a simulated 90 days."""
import hashlib
import io
import json
import os
import sys
import uuid
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from loopback import MotoServer  # noqa: E402
from plainimport import load_file  # noqa: E402

LIB_DIR = REPO / "saas_backup" / "lib"
PREFIX = os.environ.get("SAAS_TEST_PREFIX", "h3_")
MOTO_PORT = int(os.environ.get("SAAS_BACKUP_MOTO_PORT", "8372"))
PG = {"host": "127.0.0.1", "port": int(os.environ.get("SAAS_PG_PORT", "5433")),
      "user": "saas", "password": "saas"}


storage = load_file("_saas_backup_storage", LIB_DIR / "storage.py")
archive = load_file("_saas_backup_archive", LIB_DIR / "archive.py")
policy = load_file("_saas_backup_policy", LIB_DIR / "policy.py")


# -- storage ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def moto_endpoint():
    server = MotoServer(MOTO_PORT).start()
    yield server.endpoint
    server.stop()


def _s3(endpoint, bucket="saas-lib", **kw):
    s3 = storage.S3Storage(bucket, prefix="backups", endpoint_url=endpoint, region="us-east-1",
                           access_key="testing", secret_key="testing", **kw)
    s3.create_bucket()
    return s3


class _FailingReader(io.RawIOBase):
    """Gives ``good`` bytes, then fails like a dump that broke mid-way."""

    def __init__(self, good):
        self.left = good

    def read(self, size=-1):
        if self.left <= 0:
            raise OSError("disk gone")
        n = min(size if size > 0 else self.left, self.left)
        self.left -= n
        return b"x" * n


@pytest.mark.parametrize("kind", ["s3", "local"])
def test_storage_roundtrip_checksum_and_no_half_object(kind, moto_endpoint, tmp_path):
    store = _s3(moto_endpoint, sse="AES256") if kind == "s3" else storage.LocalStorage(tmp_path)
    payload = os.urandom(storage.CHUNK_SIZE * 2 + 12345)  # three parts
    size, sha = store.put("db1/a.zip", io.BytesIO(payload))
    assert (size, sha) == (len(payload), hashlib.sha256(payload).hexdigest())
    assert store.list("db1/") == ["db1/a.zip"]
    out = io.BytesIO()
    assert store.download("db1/a.zip", out, expected_sha256=sha)[1] == sha
    assert out.getvalue() == payload
    with pytest.raises(storage.ChecksumMismatchError):
        store.download("db1/a.zip", io.BytesIO(), expected_sha256="0" * 64)
    # an upload that breaks after a full part leaves nothing under its key
    with pytest.raises((OSError, storage.StorageError)):
        store.put("db1/broken.zip", _FailingReader(storage.CHUNK_SIZE + 10))
    assert store.list("db1/") == ["db1/a.zip"]
    assert not store.exists("db1/broken.zip")
    if kind == "s3":
        assert not store.client.list_multipart_uploads(Bucket="saas-lib").get("Uploads")
        head = store.client.head_object(Bucket="saas-lib", Key="backups/db1/a.zip")
        assert head["ServerSideEncryption"] == "AES256"
        url = store.download_url("db1/a.zip", expires_in=60, filename="a.zip")
        assert "X-Amz-Expires=60" in url and "X-Amz-Signature" in url
    store.delete("db1/a.zip")
    store.delete("db1/a.zip")  # idempotent
    assert store.list("") == []
    with pytest.raises(storage.ObjectMissingError):
        store.download("db1/a.zip", io.BytesIO())
    with pytest.raises(ValueError):
        store.put("../escape", io.BytesIO(b""))


def test_storage_down_is_a_storage_error():
    dead = storage.S3Storage("b", endpoint_url="http://127.0.0.1:9", access_key="x",
                             secret_key="y", region="us-east-1", connect_timeout=1, retries=1)
    with pytest.raises(storage.StorageError):
        dead.put("k.zip", io.BytesIO(b"data"))
    with pytest.raises(storage.StorageError):
        dead.check()


# -- archive ----------------------------------------------------------------------

def _admin(query, args=None, dbname="postgres"):
    conn = psycopg2.connect(dbname=dbname, **PG)
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(query, args)
            return cr.fetchall() if cr.description else None
    finally:
        conn.close()


# A trap as a hostile tenant plants it: a function of the tenant's that, run
# in any session that logged in as someone else (the master with SET ROLE,
# say), takes that session's own identity back and records itself by
# creating a role.  Run in a session of the tenant's own, it does nothing.
TRAP_FUNCTION = """
CREATE FUNCTION public.trap_check(x integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF session_user <> (SELECT datdba::regrole::name FROM pg_catalog.pg_database
                         WHERE datname = current_database()) THEN
        SET ROLE NONE;
        EXECUTE format('CREATE ROLE %I NOLOGIN', 'trapped_' || current_database());
    END IF;
    RETURN true;
END $$;
CREATE TABLE public.trap_row (id integer CHECK (public.trap_check(id)));
INSERT INTO public.trap_row VALUES (1);
"""


@pytest.fixture
def tenant(tmp_path):
    """A database owned by a role of its name that may log in (like a live
    tenant), with rows, a trap, the master's saas_control schema, and a
    filestore.  Yields (name, its login parameters, filestore, names to drop)."""
    name = f"{PREFIX}t_bk{uuid.uuid4().hex[:8]}"
    ident = sql.Identifier(name)
    password = uuid.uuid4().hex
    _admin(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(ident, sql.Literal(password)))
    _admin(sql.SQL("GRANT {} TO CURRENT_USER").format(ident))
    archive.create_tenant_database(PG, name, name)
    login = dict(PG, user=name, password=password)
    conn = psycopg2.connect(dbname=name, **login)
    with conn, conn.cursor() as cr:
        cr.execute("CREATE TABLE res_partner (id serial PRIMARY KEY, name varchar)")
        cr.execute("INSERT INTO res_partner (name) SELECT 'p' || g FROM generate_series(1, 250) g")
        cr.execute("CREATE TABLE ir_attachment (id serial PRIMARY KEY, store_fname varchar)")
        cr.execute("INSERT INTO ir_attachment (store_fname) VALUES ('ab/abcd'), ('cd/cdef')")
        cr.execute(TRAP_FUNCTION)
    conn.close()
    _admin("CREATE SCHEMA saas_control; CREATE TABLE saas_control.tenant_setting (key text)",
           dbname=name)
    files = tmp_path / "filestore" / name
    (files / "ab").mkdir(parents=True)
    (files / "ab" / "abcd").write_bytes(b"first file")
    (files / "cd").mkdir()
    (files / "cd" / "cdef").write_bytes(os.urandom(5000))
    made = [name]
    yield name, login, files, made
    for db in made:
        _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
        _admin(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier("trapped_" + db)))
    _admin(sql.SQL("DROP ROLE IF EXISTS {}").format(ident))


def _trapped():
    return _admin("SELECT rolname FROM pg_roles WHERE rolname LIKE %s",
                  [f"trapped\\_{PREFIX}%"])


def test_archive_roundtrip_as_the_tenant_role(tenant, tmp_path):
    name, login, files, made = tenant
    zpath = tmp_path / "backup.zip"
    with open(zpath, "wb") as out:
        manifest = archive.write_archive(login, name, str(files), out,
                                         modules={"base": "18.0.1.3"})
    recorded = manifest["saas_backup"]
    assert recorded["tables"] == {"public.res_partner": 250, "public.ir_attachment": 2,
                                  "public.trap_row": 1}
    assert recorded["filestore_files"] == 2
    with zipfile.ZipFile(zpath) as zf:  # what Odoo's database manager restores
        names = set(zf.namelist())
        assert {"dump.sql", "manifest.json", "filestore/ab/abcd", "filestore/cd/cdef"} <= names
        dump = zf.read("dump.sql").decode()
        assert json.loads(zf.read("manifest.json"))["modules"] == {"base": "18.0.1.3"}
    assert "saas_control" not in dump, "the master's schema is not the tenant's data"
    assert "OWNER TO" not in dump

    restored = f"{name}_r"
    made.append(restored)
    archive.create_tenant_database(PG, restored, name)
    target = tmp_path / "filestore" / restored
    # the trap's CHECK runs for each row psql loads: in the tenant's session
    _seconds, count = archive.restore_archive(login, str(zpath), restored, str(target))
    assert count == 2
    assert _trapped() == [], "the tenant's code ran in a session that could become the master"
    owners = _admin("SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE nspname = 'public'",
                    dbname=restored)
    assert owners == [(name,)], "every restored object belongs to the tenant's role"
    conn = psycopg2.connect(**dict(login, dbname=restored))
    try:
        counts = archive.table_counts(conn, list(recorded["tables"]))
    finally:
        conn.close()
    assert archive.compare(manifest, counts, archive.filestore_digest(str(target))) == []
    # a changed file and a lost row are both reported
    (target / "ab" / "abcd").write_bytes(b"tampered")
    counts["public.res_partner"] -= 1
    problems = archive.compare(manifest, counts, archive.filestore_digest(str(target)))
    assert len(problems) == 2 and "public.res_partner: 249 rows, 250 at backup" in problems


def test_the_trap_fires_in_a_master_session_with_a_role_option(tenant, tmp_path):
    """The control: a session of the master's that only sets ``-c
    role=<tenant>`` (what restores did before) lets the same trap become
    the master; so the trap above was live.  The archive refuses such a
    session outright."""
    name, login, files, _made = tenant
    with pytest.raises(archive.ArchiveError, match="log in as the tenant"):
        archive.write_archive(dict(PG, options=f"-c role={name}"), name, str(files),
                              io.BytesIO())
    conn = psycopg2.connect(dbname=name, options=f"-c role={name}", **PG)
    try:
        with conn, conn.cursor() as cr:
            cr.execute("INSERT INTO public.trap_row VALUES (2)")
    finally:
        conn.close()
    assert _trapped() == [(f"trapped_{name}",)]


def test_archive_refuses_a_hostile_member(tenant, tmp_path):
    name, login, _files, made = tenant
    zpath = tmp_path / "evil.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("dump.sql", "SELECT 1;\n")
        zf.writestr("filestore/../../escape", "x")
    restored = f"{name}_e"
    made.append(restored)
    archive.create_tenant_database(PG, restored, name)
    with pytest.raises(archive.ArchiveError):
        archive.restore_archive(login, str(zpath), restored, str(tmp_path / "fs" / restored))
    assert not (tmp_path / "escape").exists()


# -- retention, schedule, health ------------------------------------------------------

def _simulate(days, retention, start=datetime(2026, 1, 1, 1, 0)):
    """One backup a day at 01:00 (and a manual one at 14:00 on the 10th of
    each month), retention applied after each backup as the cron does."""
    stored = []
    for day in range(days):
        moment = start + timedelta(days=day)
        stored.append((moment.isoformat(), moment))
        if moment.day == 10:
            extra = moment.replace(hour=14)
            stored.append((extra.isoformat(), extra))
        pruned = policy.select_pruned(stored, **retention)
        stored = [item for item in stored if item[0] not in pruned]
    return sorted(when.date().isoformat() + ("@14" if when.hour == 14 else "")
                  for _key, when in stored)


def test_retention_defaults_over_90_days():
    # 2026-01-01 .. 2026-03-31 (a Tuesday)
    kept = _simulate(90, policy.DEFAULT_RETENTION)
    assert kept == [f"2026-03-{d}" for d in range(25, 32)]


def test_retention_weekly_and_monthly_over_90_days():
    kept = _simulate(90, {"daily": 7, "weekly": 4, "monthly": 3, "latest": 3})
    assert kept == ["2026-01-31", "2026-02-28", "2026-03-15", "2026-03-22"] + [
        f"2026-03-{d}" for d in range(25, 32)]


def test_retention_latest_keeps_several_of_one_day():
    base = datetime(2026, 5, 1, 1, 0)
    backups = [(i, base + timedelta(hours=i)) for i in range(5)]
    assert policy.select_kept(backups, daily=1, weekly=0, monthly=0, latest=2) == {3, 4}
    assert policy.select_kept(backups, daily=1, weekly=0, monthly=0, latest=0) == {4}


def test_due_and_health():
    now = datetime(2026, 6, 1, 12, 0)
    assert policy.is_due("daily", None, now)
    assert policy.is_due("daily", now - timedelta(hours=23, minutes=30), now)
    assert not policy.is_due("daily", now - timedelta(hours=20), now)
    assert not policy.is_due("weekly", now - timedelta(days=3), now)
    assert not policy.is_due("none", None, now)
    assert policy.health(False, now, now) == "none"
    assert policy.health(True, None, now) == "danger"
    assert policy.health(True, now - timedelta(hours=5), now) == "normal"
    assert policy.health(True, now - timedelta(days=3), now) == "warning"
    assert policy.health(True, now - timedelta(days=6), now) == "danger"
    assert policy.health(True, now - timedelta(hours=1), now, drill_failed=True) == "danger"
