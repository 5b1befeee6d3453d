"""PgAdmin: names refused, clones, sizes, drops, renames, connections
(adapters/pg_admin.py, against the real PostgreSQL server)."""
import threading
import time
import uuid

import psycopg2
import pytest

from adapters_common import PG, PREFIX, TIMINGS, _name, _sql, ad


HOSTILE_NAMES = ['x"; DROP DATABASE y; --', "a b", "", "../etc", "a/b", "x" * 64,
                 "é", "-dash", None, 42]


# -- names ------------------------------------------------------------------------

@pytest.mark.parametrize("bad", HOSTILE_NAMES)
def test_hostile_names_refused_and_nothing_changes(pg, small_tpl, bad, tmp_path):
    before = pg.list_databases()
    calls = [
        lambda: pg.exists(bad),
        lambda: pg.create_from_template(bad, small_tpl),
        lambda: pg.create_from_template(_name(), bad),
        lambda: pg.drop(bad),
        lambda: pg.size_bytes(bad),
        lambda: pg.sizes_bytes([small_tpl, bad]),
        lambda: pg.terminate_connections(bad),
        lambda: pg.allow_connections(bad, False),
        lambda: pg.set_is_template(bad, True),
        lambda: pg.rename(small_tpl, bad),
        lambda: pg.rename(bad, _name()),
        lambda: ad.TenantDatabase(PG, bad),
        lambda: ad.Filestore(tmp_path).path(bad),
        lambda: ad.Filestore(tmp_path).remove(bad),
    ]
    if bad:  # an empty prefix is legitimate: it lists everything
        calls.append(lambda: pg.list_databases(bad))
    for call in calls:
        with pytest.raises(ValueError):
            call()
    assert pg.list_databases() == before
    assert list(tmp_path.iterdir()) == []


def test_system_databases_protected(pg):
    for name in ("postgres", "template0", "template1"):
        with pytest.raises(ad.InvalidNameError):
            pg.drop(name)
        with pytest.raises(ad.InvalidNameError):
            pg.allow_connections(name, False)
    assert pg.exists("postgres")


# -- PgAdmin ----------------------------------------------------------------------

def test_clone_exists_size_drop_idempotent(pg, dbs, small_tpl):
    name = _name()
    dbs.append(name)
    assert not pg.exists(name)
    t0 = time.monotonic()
    pg.create_from_template(name, small_tpl)
    TIMINGS["clone_small_template"] = time.monotonic() - t0
    assert pg.exists(name)
    assert _sql(name, "SELECT label FROM item ORDER BY id") == [("one",), ("two",)]
    assert pg.size_bytes(name) > 1_000_000
    assert pg.sizes_bytes([name, small_tpl, PREFIX + "missing"]) == {
        name: pg.size_bytes(name), small_tpl: pg.size_bytes(small_tpl)}
    assert name in pg.list_databases(PREFIX)
    assert pg.drop(name) is True
    assert not pg.exists(name)
    assert pg.drop(name) is False
    with pytest.raises(ad.DatabaseNotFoundError):
        pg.size_bytes(name)


def test_clone_errors(pg, small_tpl):
    with pytest.raises(ad.DatabaseExistsError):
        pg.create_from_template(small_tpl, "template0")
    missing = _name()
    with pytest.raises(ad.DatabaseNotFoundError):
        pg.create_from_template(_name(), missing)
    assert not pg.exists(missing)


def test_busy_template_then_terminate(pg, dbs, clone):
    held = psycopg2.connect(dbname=clone, **PG)
    try:
        assert pg.connection_count(clone) == 1
        target = _name()
        dbs.append(target)
        t0 = time.monotonic()
        with pytest.raises(ad.TemplateBusyError) as info:
            pg.create_from_template(target, clone)
        # PostgreSQL waits 5 s for the other sessions before giving up
        TIMINGS["busy_template_error"] = time.monotonic() - t0
        assert isinstance(info.value, ad.DatabaseInUseError)
        assert not pg.exists(target)
        assert pg.terminate_connections(clone) == 1
        assert pg.connection_count(clone) == 0
        with pytest.raises(psycopg2.OperationalError):
            with held.cursor() as cr:
                cr.execute("SELECT 1")
        pg.create_from_template(target, clone)
        assert pg.exists(target)
    finally:
        held.close()


def test_allow_connections(pg, dbs, clone):
    pg.allow_connections(clone, False)
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(dbname=clone, **PG).close()
    with pytest.raises(ad.ConnectionsNotAllowedError):
        ad.TenantDatabase(PG, clone).read_settings()
    # a template needs no connection to be copied
    copy = _name()
    dbs.append(copy)
    pg.create_from_template(copy, clone)
    assert _sql(copy, "SELECT count(*) FROM item") == [(2,)]
    pg.allow_connections(clone, True)
    assert _sql(clone, "SELECT count(*) FROM note") == [(1,)]
    # a database without connections can still be dropped
    pg.allow_connections(copy, False)
    assert pg.drop(copy)


def test_drop_with_open_connection_and_template_flag(pg, clone):
    pg.set_is_template(clone, True)
    assert pg.is_template(clone)
    held = psycopg2.connect(dbname=clone, **PG)
    try:
        assert pg.drop(clone)
    finally:
        held.close()
    assert not pg.exists(clone)


def test_list_databases_escapes_like_wildcards(pg, dbs, small_tpl):
    stem = f"{PREFIX}t_{uuid.uuid4().hex[:8]}"
    wanted, lookalike = f"{stem}_x", f"{stem}ax"
    for name in (wanted, lookalike):
        dbs.append(name)
        pg.create_from_template(name, small_tpl)
    assert pg.list_databases(f"{stem}_") == [wanted]  # '_' is not "any character"
    assert pg.list_databases(stem) == sorted([wanted, lookalike])
    assert pg.list_databases(f"{stem}_x") == [wanted]
    assert pg.list_databases(f"{stem}-") == []


def test_rename(pg, dbs, clone, small_tpl):
    new = _name()
    dbs.append(new)
    held = psycopg2.connect(dbname=clone, **PG)  # terminated by rename
    try:
        pg.rename(clone, new)
    finally:
        held.close()
    assert pg.exists(new) and not pg.exists(clone)
    with pytest.raises(ad.DatabaseExistsError):
        pg.rename(new, small_tpl)
    with pytest.raises(ad.DatabaseNotFoundError):
        pg.rename(clone, _name())


def test_unreachable_server_fails_fast():
    t0 = time.monotonic()
    with pytest.raises(ad.ServerUnreachableError):
        ad.PgAdmin(dict(PG, port=1)).exists("postgres")
    with pytest.raises(ad.ServerUnreachableError):
        ad.TenantDatabase(dict(PG, port=1), "whatever").read_settings()
    assert time.monotonic() - t0 < 3
    with pytest.raises(ad.ServerUnreachableError):
        ad.PgAdmin(dict(PG, password="wrong")).ping()
    assert ad.PgAdmin(PG).ping() >= 130000  # WITH (FORCE) needs 13+


def test_concurrent_clones_of_one_template(pg, dbs, small_tpl):
    """Several clones of one template at once: PostgreSQL serialises them or
    reports the template busy; either way each ends created or cleanly
    refused, never half-made."""
    names = [_name() for _ in range(3)]
    dbs.extend(names)
    results = {}

    def work(n):
        try:
            pg.create_from_template(n, small_tpl)
            results[n] = "ok"
        except ad.TemplateBusyError:
            results[n] = "busy"

    threads = [threading.Thread(target=work, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(results) == set(names)
    for n, result in results.items():
        assert pg.exists(n) == (result == "ok")
    assert "ok" in results.values()
