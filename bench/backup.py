#!/usr/bin/env python3
"""Benchmark: tenant backups and restores, with the bare PostgreSQL floor.

Run with Odoo's venv:  ./dev python bench/backup.py [--mb 40] [--tenants 50] [--tenant-mb 30]
                                                    [--parallel 2]

What our backup job runs (saas_backup/lib: pg_dump as the tenant's role
streamed into a zip in Odoo's format with row counts + filestore with
checksums, then a multipart upload to moto's S3 server on loopback), against
the floor printed beside it in the same run:
  * one tenant of ~--mb MB database + --file-mb MB filestore: bare
    `pg_dump -Fc` to a file and `pg_restore --single-transaction` into a new
    database, both logged in as the tenant's role like ours (database only:
    the floor has no files), vs our backup (dump+zip, upload) and our restore
    (download with sha256 check, psql logged in as the tenant's role,
    filestore);
  * a nightly window of --tenants smaller tenants (copies of one template),
    --parallel at a time (the backup channel's capacity): bare pg_dump -Fc of
    each vs our backup of each.
Prints times and MB/s; asserts nothing.  Everything it creates is dropped.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
from psycopg2 import sql

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from loopback import MotoServer  # noqa: E402
from plainimport import load_file  # noqa: E402

PREFIX = "saas_bench_bk_"
PG = {"host": "127.0.0.1", "port": int(os.environ.get("SAAS_PG_PORT", "5433")),
      "user": "saas", "password": "saas"}
MOTO_PORT = int(os.environ.get("SAAS_BENCH_MOTO_PORT", "8373"))


storage = load_file("_bk_storage", REPO / "saas_backup" / "lib" / "storage.py")
archive = load_file("_bk_archive", REPO / "saas_backup" / "lib" / "archive.py")


def admin(query, dbname="postgres", fetch=False):
    conn = psycopg2.connect(dbname=dbname, **PG)
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(query)
            return cr.fetchall() if fetch else None
    finally:
        conn.close()


def drop_all():
    names = [r[0] for r in admin(f"SELECT datname FROM pg_database WHERE datname LIKE "
                                 f"'{PREFIX.replace('_', chr(92) + '_')}%'", fetch=True)]
    for name in names:
        admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    for (role,) in admin(f"SELECT rolname FROM pg_roles WHERE rolname LIKE "
                         f"'{PREFIX.replace('_', chr(92) + '_')}%'", fetch=True):
        admin(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def login(name, dbname=None):
    """Connection parameters logging in as tenant role ``name``."""
    return dict(PG, user=name, password=f"pw-{name}", dbname=dbname or name)


def make_role(name):
    admin(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
        sql.Identifier(name), sql.Literal(login(name)["password"])))
    admin(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(name)))


def make_tenant(name, mb, files_root, file_mb):
    """A database owned by its own role, shaped like Odoo's (a few hundred
    tables with primary keys and indexes, one big table), ~``mb`` MB in all
    (pg_database_size, catalog included), and a
    filestore of ``file_mb`` MB of random files."""
    make_role(name)
    archive.create_tenant_database(PG, name, name)
    conn = psycopg2.connect(**login(name))
    with conn, conn.cursor() as cr:
        for i in range(300):
            cr.execute(f"CREATE TABLE t_{i} (id serial PRIMARY KEY, name varchar, "
                       f"write_date timestamp DEFAULT now())")
            cr.execute(f"CREATE INDEX ON t_{i} (name)")
            cr.execute(f"INSERT INTO t_{i} (name) SELECT 'row ' || g "
                       f"FROM generate_series(1, 20) g")
        cr.execute("CREATE TABLE res_partner (id serial PRIMARY KEY, name varchar, "
                   "email varchar, street varchar, comment text, create_date timestamp)")
        cr.execute("CREATE INDEX ON res_partner (name)")
        cr.execute("CREATE INDEX ON res_partner (email)")
        cr.execute("SELECT pg_database_size(current_database())")
        # ~400 bytes a row with its indexes, up to ``mb`` for the whole database
        rows = max(1000, int((mb * 2**20 - cr.fetchone()[0]) / 400))
        cr.execute("INSERT INTO res_partner (name, email, street, comment, create_date) "
                   "SELECT 'Partner ' || g, 'p' || g || '@example.com', g || ' Main Street', "
                   "md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text), now() "
                   "FROM generate_series(1, %s) g", [rows])
    conn.close()
    folder = Path(files_root) / name
    for i in range(max(1, int(file_mb * 4))):
        sub = folder / f"{i % 256:02x}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{i:040x}").write_bytes(os.urandom(2**18))
    return folder


def db_mb(name):
    return admin(sql.SQL("SELECT pg_database_size({})").format(sql.Literal(name)),
                 fetch=True)[0][0] / 2**20


def folder_mb(folder):
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 2**20


def pg_env(role):
    """libpq's environment logging in as ``role`` (the floor runs as the
    same role as ours)."""
    params = login(role)
    return dict(os.environ, PGHOST=PG["host"], PGPORT=str(PG["port"]), PGUSER=params["user"],
                PGPASSWORD=params["password"])


def bare_dump(name, path):
    t0 = time.perf_counter()
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", path, name], check=True,
                   env=pg_env(name))
    return time.perf_counter() - t0


def bare_restore(path, target, owner):
    archive.create_tenant_database(PG, target, owner)
    t0 = time.perf_counter()
    subprocess.run(["pg_restore", "--no-owner", "--single-transaction", "-d", target, path],
                   check=True, env=pg_env(owner))
    return time.perf_counter() - t0


def our_backup(store, name, files, key):
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as tmp:
        archive.write_archive(login(name), name, str(files), tmp)
        t_dump = time.perf_counter() - t0
        tmp.seek(0)
        size, _sha = store.put(key, tmp)
    return t_dump, time.perf_counter() - t0, size


def our_restore(store, key, target, owner, files_dir):
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as tmp:
        store.download(key, tmp)
        t_down = time.perf_counter() - t0
        tmp.seek(0)
        archive.create_tenant_database(PG, target, owner)
        archive.restore_archive(login(owner, target), tmp, target, files_dir)
    return t_down, time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=40, help="size of the big tenant's database")
    parser.add_argument("--file-mb", type=float, default=5, help="its filestore")
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--tenant-mb", type=float, default=30)
    parser.add_argument("--parallel", type=int, default=2)
    args = parser.parse_args()

    drop_all()
    work = Path(tempfile.mkdtemp(prefix="saas-bench-backup-"))
    server = MotoServer(MOTO_PORT).start()
    try:
        store = storage.S3Storage("bench", prefix="b", endpoint_url=server.endpoint,
                                  region="us-east-1", access_key="x", secret_key="y")
        store.create_bucket()
        fs_root = work / "filestore"

        big = f"{PREFIX}big"
        t0 = time.perf_counter()
        files = make_tenant(big, args.mb, fs_root, args.file_mb)
        big_db = db_mb(big)
        size = big_db + folder_mb(files)
        print(f"== one tenant: database {db_mb(big):.1f} MB + filestore {folder_mb(files):.1f} MB"
              f" (made in {time.perf_counter() - t0:.1f}s) ==")
        floor_dump = bare_dump(big, str(work / "big.dump"))
        floor_restore = bare_restore(str(work / "big.dump"), f"{PREFIX}big_floor", big)
        t_dump, t_backup, obj = our_backup(store, big, files, "big.zip")
        t_down, t_restore = our_restore(store, "big.zip", f"{PREFIX}big_restored", big,
                                        str(fs_root / f"{PREFIX}big_restored"))
        print(f"backup : floor pg_dump -Fc {floor_dump:6.2f}s ({big_db / floor_dump:6.1f} MB/s, "
              f"database only) | ours {t_backup:6.2f}s ({size / t_backup:6.1f} MB/s; dump+zip "
              f"{t_dump:.2f}s, upload {t_backup - t_dump:.2f}s; object {obj / 2**20:.1f} MB)")
        print(f"restore: floor pg_restore  {floor_restore:6.2f}s ({big_db / floor_restore:6.1f} "
              f"MB/s, database only) | ours {t_restore:6.2f}s ({size / t_restore:6.1f} MB/s; "
              f"download+sha256 {t_down:.2f}s, psql+files {t_restore - t_down:.2f}s)")

        n = args.tenants
        print(f"\n== nightly window: {n} tenants of ~{args.tenant_mb:g} MB, {args.parallel} at a "
              f"time ==")
        tpl = f"{PREFIX}tpl"
        tpl_files = make_tenant(tpl, args.tenant_mb, fs_root, 0.5)
        names = []
        for i in range(n):
            name = f"{PREFIX}n{i:03d}"
            make_role(name)
            admin(sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(tpl), sql.Identifier(name)))
            admin(sql.SQL("REASSIGN OWNED BY {} TO {}").format(sql.Identifier(tpl),
                                                                sql.Identifier(name)),
                  dbname=name)
            shutil.copytree(tpl_files, fs_root / name)
            names.append(name)
        total_db = sum(db_mb(name) for name in names)
        total = total_db + sum(folder_mb(fs_root / name) for name in names)

        def floor(name):
            return bare_dump(name, str(work / f"{name}.dump"))

        def ours(name):
            return our_backup(store, name, fs_root / name, f"{name}.zip")[1]

        for label, fn, mb in (("floor pg_dump -Fc", floor, total_db),
                              ("ours (dump+zip+upload)", ours, total)):
            t0 = time.perf_counter()
            with ThreadPoolExecutor(args.parallel) as pool:
                times = list(pool.map(fn, names))
            wall = time.perf_counter() - t0
            print(f"{label:<24} wall {wall:7.2f}s for {mb:.0f} MB ({mb / wall:6.1f} MB/s); "
                  f"per tenant mean {sum(times) / len(times):.2f}s max {max(times):.2f}s")
    finally:
        server.stop()
        drop_all()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
