"""saas_provisioning/tools/isolation.py without a registry, against the real
PostgreSQL cluster: one failing item is rolled back alone, errors that mean
the loop's own transaction is lost are raised."""
import contextlib
import os
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from plainimport import load_file  # noqa: E402

isolation = load_file("_saas_isolation", REPO / "saas_provisioning" / "tools" / "isolation.py")

PREFIX = os.environ.get("SAAS_TEST_PREFIX", "saas_test_")
PG = {"host": "127.0.0.1", "port": int(os.environ.get("SAAS_PG_PORT", "5433")),
      "user": "saas", "password": "saas"}


def _admin():
    conn = psycopg2.connect(dbname="postgres", connect_timeout=5, **PG)
    conn.autocommit = True
    return conn


@pytest.fixture(scope="module")
def dbname():
    name = f"{PREFIX}isolation_{uuid.uuid4().hex[:8]}"
    with contextlib.closing(_admin()) as conn, conn.cursor() as cr:
        cr.execute(f'CREATE DATABASE "{name}"')
    with contextlib.closing(psycopg2.connect(dbname=name, **PG)) as conn:
        with conn, conn.cursor() as cr:
            cr.execute("CREATE TABLE item (id int PRIMARY KEY, n int NOT NULL DEFAULT 0)")
    yield name
    with contextlib.closing(_admin()) as conn, conn.cursor() as cr:
        cr.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def conn(dbname):
    conn = psycopg2.connect(dbname=dbname, **PG)
    conn.set_session(isolation_level="REPEATABLE READ")
    with conn.cursor() as cr:
        cr.execute("DELETE FROM item")
    conn.commit()
    yield conn
    conn.close()


def savepoints(conn):
    @contextlib.contextmanager
    def savepoint():
        with conn.cursor() as cr:
            cr.execute("SAVEPOINT item")
        try:
            yield
        except BaseException:
            with conn.cursor() as cr:
                cr.execute("ROLLBACK TO SAVEPOINT item")
            raise
        with conn.cursor() as cr:
            cr.execute("RELEASE SAVEPOINT item")
    return savepoint


def test_a_failing_item_is_rolled_back_alone(conn):
    failures = []

    def work(item):
        with conn.cursor() as cr:
            cr.execute("INSERT INTO item (id) VALUES (%s)", [item])
            if item == 2:
                cr.execute("SELECT 1 / 0")
        return item * 10

    outcomes = isolation.run_each([1, 2, 3], work, savepoints(conn),
                                  lambda item, exc, started: failures.append((item, exc)))
    conn.commit()
    assert [(o.item, o.ok, o.result) for o in outcomes] == [(1, True, 10), (2, False, None),
                                                            (3, True, 30)]
    assert [item for item, _exc in failures] == [2]
    assert isinstance(failures[0][1], psycopg2.errors.DivisionByZero)
    assert "division by zero" in isolation.describe(failures[0][1])
    with conn.cursor() as cr:
        cr.execute("SELECT id FROM item ORDER BY id")
        assert cr.fetchall() == [(1,), (3,)]


def test_a_serialization_failure_ends_the_loop(conn, dbname):
    with conn.cursor() as cr:
        cr.execute("INSERT INTO item (id) VALUES (1), (2)")
    conn.commit()
    with conn.cursor() as cr:
        cr.execute("SELECT count(*) FROM item")  # the loop's snapshot
    with contextlib.closing(psycopg2.connect(dbname=dbname, **PG)) as other:
        with other, other.cursor() as cr:
            cr.execute("UPDATE item SET n = 1 WHERE id = 2")
    seen, failures = [], []

    def work(item):
        seen.append(item)
        with conn.cursor() as cr:
            cr.execute("UPDATE item SET n = n + 10 WHERE id = %s", [item])

    with pytest.raises(psycopg2.errors.SerializationFailure):
        isolation.run_each([1, 2, 3], work, savepoints(conn),
                           lambda *args: failures.append(args))
    assert seen == [1, 2] and failures == []
    conn.rollback()


def test_a_lost_connection_ends_the_loop(conn):
    def work(item):
        conn.close()  # the loop's own connection goes away
        raise RuntimeError("any error of the item")

    with pytest.raises(psycopg2.InterfaceError):
        isolation.run_each([1, 2], work, savepoints(conn), lambda *args: pytest.fail())


def test_what_propagates():
    assert not isolation.must_propagate(RuntimeError("x"))
    assert not isolation.must_propagate(ValueError("x"))
    assert isolation.must_propagate(MemoryError())
    assert isolation.must_propagate(psycopg2.InterfaceError("connection already closed"))
    assert isolation.must_propagate(psycopg2.OperationalError("server closed the connection"))
    assert isolation.describe(RuntimeError()) == "RuntimeError"
