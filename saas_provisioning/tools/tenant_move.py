"""Copy a tenant's database from one PostgreSQL server to another, as its
own role on both sides.  Plain Python, no Odoo.

- ``create_empty_database``: on the target, by the server's admin role, an
  empty database born owned by the tenant's role (which the caller made).
- ``copy_database``: ``pg_dump`` logged in as the role on the source piped
  into ``pg_restore --no-owner`` logged in as the role on the target: the
  tenant's tables are read with its own privileges, every object is born
  owned by it, and whatever runs during the load (a CHECK, a trigger, an
  index on the tenant's function) runs as the tenant and nobody else.  The
  master's schema ``saas_control`` is left out (the caller copies its
  settings as the master).  One transaction on the target: a failed load
  leaves an empty database.
- ``fingerprint``: row counts of every table and a checksum of a few,
  read as the role on each side; the caller compares them before the
  switch and before the old copy is dropped.
- ``copy_files``: a filestore folder copied aside, then renamed in place.
"""
import os
import shutil
import subprocess
import time
import uuid

import psycopg2
from psycopg2 import sql

from ..adapters.contract import tenant_contract as contract

# the master's settings are copied by the master, as the master
EXCLUDED_SCHEMAS = (contract.SCHEMA,)
# tables whose whole contents are compared (a checksum), besides the counts
CHECKSUM_TABLES = ("res_partner", "res_users", "res_company", "ir_config_parameter")

_TABLES_SQL = """
    SELECT c.relname FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
     ORDER BY c.relname"""


class MoveError(Exception):
    """The copy failed or does not match its source."""


def pg_env(params):
    """libpq's environment from psycopg2 keyword arguments (a login as the
    tenant's role; never a role option: the tenant's code could reset it)."""
    options = params.get("options") or ""
    if "role" in options:
        raise MoveError("refusing a session that sets a role: log in as the tenant's role")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({"PGHOST": str(params.get("host") or ""), "PGPORT": str(params.get("port") or 5432),
                "PGUSER": str(params.get("user") or ""),
                "PGPASSWORD": str(params.get("password") or ""), "PGCONNECT_TIMEOUT": "10"})
    if not env["PGHOST"]:
        env.pop("PGHOST")
    if options:
        env["PGOPTIONS"] = options
    return env


def create_empty_database(admin_params, dbname, owner):
    """An empty database as Odoo makes one (UTF-8, C collation, template0),
    born owned by ``owner``, closed to PUBLIC."""
    conn = psycopg2.connect(**dict(admin_params, dbname="postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'unicode' LC_COLLATE 'C' "
                               "TEMPLATE template0").format(sql.Identifier(dbname),
                                                            sql.Identifier(owner)))
            cr.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(
                sql.Identifier(dbname)))
    finally:
        conn.close()


def dump_command(dbname):
    """pg_dump of the tenant's objects, custom format, uncompressed (the
    pipe stays on one host: compressing costs more than it saves)."""
    cmd = ["pg_dump", "--format=custom", "--compress=0", "--no-owner", "--no-privileges",
           "--enable-row-security", "--dbname", dbname]
    return cmd + [f"--exclude-schema={schema}" for schema in EXCLUDED_SCHEMAS]


def restore_command(dbname):
    return ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
            "--single-transaction", "--dbname", dbname]


def copy_database(source_params, target_params, dbname):
    """pg_dump (as the role, on the source) | pg_restore (as the role, on
    the target); returns the seconds spent.  Raises MoveError."""
    started = time.monotonic()
    dump = subprocess.Popen(dump_command(dbname), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=pg_env(source_params))
    try:
        restore = subprocess.run(restore_command(dbname), stdin=dump.stdout,
                                 capture_output=True, env=pg_env(target_params), check=False)
    except BaseException:
        dump.kill()
        raise
    finally:
        dump.stdout.close()
    dump_err = dump.stderr.read().decode(errors="replace")
    dump.wait()
    if restore.returncode != 0:  # (pg_dump then died of the closed pipe)
        raise MoveError(f"pg_restore of {dbname} failed: "
                        f"{restore.stderr.decode(errors='replace').strip()[-500:]}")
    if dump.returncode != 0:
        raise MoveError(f"pg_dump of {dbname} failed: {dump_err.strip()[-500:]}")
    return time.monotonic() - started


def fingerprint(params, checksum_tables=CHECKSUM_TABLES):
    """({table: rows} of every table of the public schema, {table: md5 of
    its rows in id order} of ``checksum_tables`` that exist), read on one
    connection logged in as the tenant's role (``params``), in one
    snapshot."""
    conn = psycopg2.connect(**params)
    try:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with conn.cursor() as cr:
            cr.execute(_TABLES_SQL)
            tables = [name for (name,) in cr.fetchall()]
            counts = {}
            if tables:  # every count in one statement (one round trip)
                cr.execute(sql.SQL(" UNION ALL ").join(
                    sql.SQL("SELECT {}, count(*) FROM ONLY public.{}").format(
                        sql.Literal(name), sql.Identifier(name)) for name in tables))
                counts = dict(cr.fetchall())
            sums = {}
            for table in checksum_tables:
                if table in counts:
                    cr.execute(sql.SQL("SELECT md5(COALESCE(string_agg(t::text, '|' ORDER BY "
                                       "t.id), '')) FROM {} t").format(sql.Identifier(table)))
                    sums[table] = cr.fetchone()[0]
        conn.rollback()
    finally:
        conn.close()
    return counts, sums


def differences(source, target):
    """Human-readable lines of what differs between two fingerprints."""
    (counts_a, sums_a), (counts_b, sums_b) = source, target
    lines = [f"{table}: {counts_a.get(table)} rows on the source, {counts_b.get(table)} on "
             "the target" for table in sorted(set(counts_a) | set(counts_b))
             if counts_a.get(table) != counts_b.get(table)]
    lines += [f"{table}: contents differ" for table in sorted(sums_a)
              if sums_a[table] != sums_b.get(table)]
    return lines


def copy_files(source_dir, target_dir):
    """Copy the folder ``source_dir`` to ``target_dir`` (replaced): built
    aside, then renamed.  Returns the number of files (0: no source)."""
    if not os.path.isdir(source_dir):
        return 0
    parent = os.path.dirname(os.path.abspath(target_dir))
    os.makedirs(parent, exist_ok=True)
    tmp = os.path.join(parent, f".saas-move-{os.path.basename(target_dir)}-{uuid.uuid4().hex}")
    try:
        shutil.copytree(source_dir, tmp, symlinks=False)
        if os.path.lexists(target_dir):
            trash = f"{tmp}-old"
            os.rename(target_dir, trash)
            shutil.rmtree(trash, ignore_errors=True)
        os.rename(tmp, target_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return sum(len(files) for _d, _s, files in os.walk(target_dir))
