"""One item of a loop, isolated from the others (plain Python, no Odoo).

A loop over tenants must not let one of them roll back or stop the whole
run: a hostile tenant administrator can make any operation on its own
database fail (revoke CONNECT from its own role, plant a raising trigger or
policy).  ``run_each`` runs ``work(item)`` for each item inside a savepoint
of the caller's transaction; when it raises, the savepoint is rolled back
(what that item half-did in the caller's transaction is undone, the others'
work stays), ``on_failure`` records it and the loop goes on.

Not every error is an item's own: ``must_propagate`` names those that mean
the caller's transaction or connection cannot go on (a serialization failure
or a deadlock, a connection lost, a savepoint that no longer exists, a
transaction already aborted).  They end the loop, as they would without it;
the caller's run is then rolled back and retried as a whole.
"""
import time
from typing import Any, NamedTuple

import psycopg2

# SQLSTATE classes / codes that mean the transaction of the loop is lost:
# 08 connection exception, 40 transaction rollback (serialization failure,
# deadlock), 3B savepoint exception, 25P01/25P02/25P03 no transaction, an
# aborted one, the session ended for idling in a transaction.
FATAL_CLASSES = ("08", "40", "3B")
FATAL_CODES = ("25P01", "25P02", "25P03")


class Outcome(NamedTuple):
    item: Any
    ok: bool
    result: Any = None
    error: BaseException = None


def must_propagate(exc):
    """True when ``exc`` means the loop's own transaction cannot go on, so
    that no item may swallow it."""
    if isinstance(exc, (MemoryError, psycopg2.InterfaceError,
                        psycopg2.extensions.TransactionRollbackError)):
        return True
    if not isinstance(exc, psycopg2.Error):
        return False
    code = exc.pgcode
    if code is None:
        # libpq's own errors (a connection that went away) carry no SQLSTATE
        return isinstance(exc, psycopg2.OperationalError)
    return code[:2] in FATAL_CLASSES or code in FATAL_CODES


def describe(exc):
    """A one-line reason for a log line: the error's message, or its type."""
    text = str(exc).strip()
    return text or type(exc).__name__


def run_each(items, work, savepoint, on_failure):
    """``work(item)`` for each item, each inside ``savepoint()`` (a context
    manager that rolls back on an exception, e.g. Odoo's
    ``cr.savepoint``).  An item that raises is rolled back and reported to
    ``on_failure(item, exc, started)`` (``started``: its ``time.monotonic()``
    start), and the loop goes on; an error ``must_propagate`` names is
    raised at once.  Returns one ``Outcome`` per item, in order."""
    outcomes = []
    for item in items:
        started = time.monotonic()
        try:
            with savepoint():
                result = work(item)
        except Exception as exc:  # noqa: BLE001 (one item must not stop the others)
            if must_propagate(exc):
                raise
            on_failure(item, exc, started)
            outcomes.append(Outcome(item, False, error=exc))
        else:
            outcomes.append(Outcome(item, True, result))
    return outcomes
