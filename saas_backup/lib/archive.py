"""A tenant's backup in the format of Odoo's own database manager.

A zip holding ``dump.sql`` (plain pg_dump, no owner, no privileges),
``filestore/`` and ``manifest.json`` -- what /web/database/restore accepts,
so a customer can take it to any Odoo.  Plain Python, no Odoo.

Taking it (``write_archive``): pg_dump logs in as the tenant's role (the
caller passes that role's connection parameters): it reads the tenant's
tables with the tenant's own privileges, in one snapshot (consistent), and
the schema ``saas_control`` (the master's settings, rewritten at every
restore) is left out.  While the dump streams into the zip, the rows of each
table's COPY block are counted: those counts, recorded in the manifest, are
exactly what a restore of this archive must hold (the restore drill checks
them).

Restoring it (``restore_archive``): into a database that the caller created
owned by the tenant's role; psql logs in as that role, so every object is
born owned by the tenant, and whatever the dump holds (a CHECK constraint
or a trigger calling the tenant's functions runs during the load) runs as
the tenant and nobody else.  Never the master's login with a role option
(pg_dump's or libpq's): the tenant's code could reset the role back to the
master.
"""
import hashlib
import json
import os
import shutil
import subprocess
import time
import uuid
import zipfile

import psycopg2
from psycopg2 import sql

FORMAT_VERSION = 1
EXCLUDED_SCHEMAS = ("saas_control",)
_COPY_PREFIX = b"COPY "
_COPY_END = b"\\.\n"


class ArchiveError(Exception):
    """pg_dump/psql failed, or the archive is not one of ours."""


def _pg_env(params):
    """libpq's environment for pg_dump/psql from psycopg2 keyword arguments
    (the tenant's login)."""
    env = dict(os.environ)
    env.update({
        "PGHOST": str(params.get("host") or ""),
        "PGPORT": str(params.get("port") or 5432),
        "PGUSER": str(params.get("user") or ""),
        "PGPASSWORD": str(params.get("password") or ""),
        "PGCONNECT_TIMEOUT": "10",
    })
    if not env["PGHOST"]:
        env.pop("PGHOST")
    env.pop("PGOPTIONS", None)
    options = params.get("options") or ""
    if "role" in options:
        # acting as a tenant by a role option is the hole this module closes
        raise ArchiveError("refusing a session that sets a role: log in as the tenant's role")
    if options:
        env["PGOPTIONS"] = options
    return env


def _copy_table(line):
    """'COPY public.res_partner (id, ...) FROM stdin;' -> 'public.res_partner'."""
    return line[len(_COPY_PREFIX):].split(b" ", 1)[0].decode()


def sha256_file(path, chunk_size=2**20):
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        for chunk in iter(lambda: src.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def filestore_digest(root):
    """(file count, sha256 over the sorted 'path:sha256' lines) of a
    filestore folder; (0, sha of nothing) when absent."""
    lines = []
    if root and os.path.isdir(root):
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                path = os.path.join(dirpath, name)
                if os.path.islink(path):
                    continue
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                lines.append(f"{rel}:{sha256_file(path)}\n")
    lines.sort()
    return len(lines), hashlib.sha256("".join(lines).encode()).hexdigest()


def _digest_lines(entries):
    return hashlib.sha256("".join(sorted(f"{rel}:{sha}\n" for rel, sha in entries))
                          .encode()).hexdigest()


def write_archive(tenant_params, dbname, filestore_dir, out, modules=None, extra=None):
    """Write the backup zip of ``dbname`` into the binary file object ``out``.

    :param tenant_params: psycopg2 keyword arguments logging in as the
        tenant's role (pg_dump reads as it).
    :param modules: {name: version} of the installed modules (for Odoo's
        manifest); read by the caller as the tenant.
    Returns the manifest (a dict) that was stored in the archive.
    """
    started = time.monotonic()
    # --enable-row-security: a tenant may FORCE row-level security on its
    # own tables; its backup then holds the rows its role can read (without
    # the option pg_dump refuses such a table), and the manifest counts them
    cmd = ["pg_dump", "--no-owner", "--no-privileges", "--format=plain",
           "--enable-row-security", "--dbname", dbname]
    for schema in EXCLUDED_SCHEMAS:
        cmd.append(f"--exclude-schema={schema}")
    counts = {}
    dump_bytes = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=_pg_env(tenant_params), bufsize=2**20)
        try:
            with zf.open("dump.sql", "w", force_zip64=True) as entry:
                table, rows, batch, batch_size = None, 0, [], 0
                for line in proc.stdout:
                    if table is not None:
                        if line == _COPY_END:
                            counts[table] = rows
                            table = None
                        else:
                            rows += 1
                    elif line.startswith(_COPY_PREFIX):
                        table, rows = _copy_table(line), 0
                    batch.append(line)
                    batch_size += len(line)
                    if batch_size >= 2**20:
                        entry.write(b"".join(batch))
                        dump_bytes += batch_size
                        batch, batch_size = [], 0
                entry.write(b"".join(batch))
                dump_bytes += batch_size
            stderr = proc.stderr.read().decode(errors="replace")
            if proc.wait() != 0:
                raise ArchiveError(f"pg_dump of {dbname} failed: {stderr.strip()[-500:]}")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        dump_seconds = time.monotonic() - started
        files = []
        file_bytes = 0
        if filestore_dir and os.path.isdir(filestore_dir):
            for dirpath, _dirs, names in os.walk(filestore_dir):
                for name in sorted(names):
                    path = os.path.join(dirpath, name)
                    if os.path.islink(path):
                        continue
                    rel = os.path.relpath(path, filestore_dir).replace(os.sep, "/")
                    digest = hashlib.sha256()
                    try:
                        with open(path, "rb") as src, \
                                zf.open(f"filestore/{rel}", "w", force_zip64=True) as entry:
                            for chunk in iter(lambda: src.read(2**20), b""):  # noqa: B023
                                digest.update(chunk)
                                entry.write(chunk)
                                file_bytes += len(chunk)
                    except FileNotFoundError:  # garbage-collected meanwhile
                        continue
                    files.append((rel, digest.hexdigest()))
        manifest = {
            # what Odoo's dump_db_manifest writes
            "odoo_dump": "1",
            "db_name": dbname,
            "version": (extra or {}).get("version", ""),
            "version_info": (extra or {}).get("version_info", []),
            "major_version": (extra or {}).get("major_version", ""),
            "pg_version": (extra or {}).get("pg_version", ""),
            "modules": modules or {},
            # ours
            "saas_backup": {
                "format": FORMAT_VERSION,
                "tables": counts,
                "filestore_files": len(files),
                "filestore_sha256": _digest_lines(files),
                "dump_bytes": dump_bytes,
                "filestore_bytes": file_bytes,
                "dump_seconds": round(dump_seconds, 3),
            },
        }
        zf.writestr("manifest.json", json.dumps(manifest, indent=4, sort_keys=True))
    return manifest


def read_manifest(path):
    try:
        with zipfile.ZipFile(path) as zf:
            return json.loads(zf.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ArchiveError(f"not a backup archive: {exc}") from exc


def create_tenant_database(conn_params, dbname, owner):
    """An empty database as Odoo makes one (UTF-8, C collation, template0),
    born owned by the tenant's role ``owner``, closed to PUBLIC."""
    conn = psycopg2.connect(**dict(conn_params, dbname="postgres"))
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


def restore_archive(tenant_params, archive_path, dbname, filestore_dir):
    """Load the archive into the (new, empty, owned by the tenant's role)
    database ``dbname``, logged in as that role (``tenant_params``), and its
    files into ``filestore_dir`` (replaced; built aside and renamed).
    Returns (seconds of psql, files restored)."""
    started = time.monotonic()
    try:
        zf = zipfile.ZipFile(archive_path)
    except zipfile.BadZipFile as exc:
        raise ArchiveError(f"not a zip archive: {exc}") from exc
    with zf:
        names = zf.namelist()
        if "dump.sql" not in names:
            raise ArchiveError("the archive holds no dump.sql")
        cmd = ["psql", "--quiet", "--no-psqlrc", "--set", "ON_ERROR_STOP=1",
               "--single-transaction", "--dbname", dbname]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env=_pg_env(tenant_params))
        try:
            with zf.open("dump.sql") as dump:
                shutil.copyfileobj(dump, proc.stdin, 2**20)
            proc.stdin.close()
        except (BrokenPipeError, zipfile.BadZipFile, OSError) as exc:
            proc.kill()
            proc.wait()
            stderr = proc.stderr.read().decode(errors="replace")
            raise ArchiveError(f"restore of {dbname} failed: {exc} {stderr.strip()[-500:]}") \
                from exc
        stderr = proc.stderr.read().decode(errors="replace")
        if proc.wait() != 0:
            raise ArchiveError(f"psql restore of {dbname} failed: {stderr.strip()[-500:]}")
        psql_seconds = time.monotonic() - started
        members = [n for n in names if n.startswith("filestore/") and not n.endswith("/")]
        count = 0
        if filestore_dir:
            parent = os.path.dirname(os.path.abspath(filestore_dir))
            os.makedirs(parent, exist_ok=True)
            tmp = os.path.join(parent, f".saas-tmp-{os.path.basename(filestore_dir)}-"
                                       f"{uuid.uuid4().hex}")
            try:
                os.makedirs(tmp)
                for name in members:
                    rel = name[len("filestore/"):]
                    parts = rel.split("/")
                    if not rel or ".." in parts or rel.startswith("/") or "\\" in rel:
                        raise ArchiveError(f"refusing the archive member {name!r}")
                    target = os.path.join(tmp, *parts)
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with zf.open(name) as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst, 2**20)
                    count += 1
                if os.path.lexists(filestore_dir):
                    trash = f"{tmp}-old"
                    os.rename(filestore_dir, trash)
                    shutil.rmtree(trash, ignore_errors=True)
                os.rename(tmp, filestore_dir)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    return psql_seconds, count


def table_counts(conn, tables):
    """{table: rows} for the given schema-qualified tables ('public.x'),
    counted on ``conn`` (ONLY: a COPY block holds a parent's own rows, not
    its inheriting children's, e.g. ir_actions); a missing table counts -1."""
    result = {}
    with conn.cursor() as cr:
        for name in tables:
            schema, _dot, table = name.partition(".")
            cr.execute("SELECT pg_catalog.to_regclass(%s)", [name])
            if cr.fetchone()[0] is None:
                result[name] = -1
                continue
            cr.execute(sql.SQL("SELECT count(*) FROM ONLY {}.{}").format(
                sql.Identifier(schema.strip('"')), sql.Identifier(table.strip('"'))))
            result[name] = cr.fetchone()[0]
    return result


def compare(manifest, counts, files_digest):
    """Differences between what the manifest recorded and a restore
    (``counts`` from table_counts, ``files_digest`` from filestore_digest):
    a list of human-readable lines, empty when they match."""
    recorded = manifest.get("saas_backup", {})
    problems = []
    for table, rows in sorted(recorded.get("tables", {}).items()):
        got = counts.get(table)
        if got != rows:
            problems.append(f"{table}: {got} rows, {rows} at backup")
    files, digest = files_digest
    if files != recorded.get("filestore_files"):
        problems.append(f"filestore: {files} files, {recorded.get('filestore_files')} at backup")
    elif digest != recorded.get("filestore_sha256"):
        problems.append("filestore: contents differ from the backup's checksums")
    return problems
