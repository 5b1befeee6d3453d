"""Every tenant's scheduled actions run, in the threaded and the prefork
server alike, and a tenant with nothing due costs no registry load.

Odoo runs the crons of a database only when it knows the database: the
threaded server's cron threads walk the registries already loaded in the
process (a tenant nobody visited since the last restart has none), and the
prefork cron workers walk ``db_name`` (our master) when it is set.  So:

- ``TenantCronSchedule`` keeps, per tenant database, when its next job is
  due (the earliest ``ir_cron.nextcall`` of an active job or
  ``ir_cron_trigger.call_at``), read over one short connection as the
  tenant's own role, a few tenants at a time (``SCHEDULE_READERS``
  threads: the cost of a read is the connection, SCRAM authentication and a
  backend start, mostly waiting on PostgreSQL).  A tenant is read again after its jobs ran, when Odoo's
  ``cron_trigger`` notification names it (Odoo sends one on every cron
  change or new trigger, with the database name as payload), and at the
  latest every ``RECHECK_SECONDS``.  A suspended tenant's jobs do not run.
- The databases handed to Odoo's ``ir_cron._process_jobs`` are the ones it
  would process anyway plus the tenants that are due; ``_process_jobs``
  itself reads the jobs over a bare connection and loads a registry only
  for a job it acquired.

The threaded server's cron thread is replaced by ``cron_thread``: Odoo's
iterates ``Registry.registries.d`` without the LRU's lock, so a request
thread loading a registry meanwhile (a new tenant's first request) killed it
with "OrderedDict mutated during iteration", and nothing restarted it.
Ours takes a snapshot under the LRU's lock and survives any exception of a
pass (logged, retried after a pause).
"""
import contextlib
import concurrent.futures
import logging
import random
import select
import threading
import time

import psycopg2

from odoo import sql_db
from odoo.tools import config

from . import routing
from . import tenant_contract as contract

_logger = logging.getLogger(__name__)

# A tenant's schedule is read again at least this often (spread over the
# second half of the period), in case a change of its jobs came without a
# notification (plain SQL in the tenant, a restart of the listener).
RECHECK_SECONDS = 3600
# A suspended tenant is read again this often (reactivation sends nothing).
SUSPENDED_RECHECK_SECONDS = 300
# Odoo's cron threads wake at least every SLEEP_INTERVAL seconds.
SLEEP_INTERVAL = 60
# Schedules read at once (connections in flight) when many are stale, as
# on the first pass over every tenant after a start: bounded, so that a pass
# over thousands of tenants never opens more than this many connections.
SCHEDULE_READERS = 6
# After an unexpected error a cron thread pauses this long, then goes on.
ERROR_PAUSE = 5

# Seconds until the tenant's next job, None when it has none (or is
# suspended).  Runs as the tenant's own role, in the tenant database.
NEXT_DUE_SQL = """
    SELECT EXTRACT(EPOCH FROM LEAST(
               (SELECT min(nextcall) FROM ir_cron WHERE active),
               (SELECT min(call_at) FROM ir_cron_trigger))
           - (now() AT TIME ZONE 'UTC')),
           pg_catalog.to_regclass(%s) IS NOT NULL
"""

SUSPENDED = "suspended"


def read_next_due(dbname):
    """Seconds until ``dbname``'s next job (<= 0: due now), None when it has
    none, or SUSPENDED."""
    _db, info = sql_db.connection_info_for(dbname)  # the tenant's own role
    with contextlib.closing(psycopg2.connect(connect_timeout=5, **info)) as conn:
        with conn.cursor() as cr:
            cr.execute(NEXT_DUE_SQL, [contract.TABLE])
            seconds, has_settings = cr.fetchone()
            if has_settings:
                cr.execute(contract.READ_KEYS_SQL, [[contract.SUSPENDED]])
                if contract.get(dict(cr.fetchall()), contract.SUSPENDED):
                    return SUSPENDED
    return None if seconds is None else float(seconds)


class TenantCronSchedule:
    """When each tenant database is next due.  Plain Python: the readers and
    the clock are parameters, so that it is tested without PostgreSQL."""

    def __init__(self, list_tenants=routing.routable_tenant_databases, next_due=read_next_due,
                 clock=time.monotonic, recheck=RECHECK_SECONDS,
                 suspended_recheck=SUSPENDED_RECHECK_SECONDS, readers=SCHEDULE_READERS):
        self._list_tenants = list_tenants
        self.routable = frozenset()  # the served tenants, as of the last due()
        self._read_next_due = next_due
        self._clock = clock
        self._recheck = recheck
        self._suspended_recheck = suspended_recheck
        self._readers = readers
        self._lock = threading.Lock()
        self._due_at = {}      # dbname -> clock time its next job is due (inf: none)
        self._next_read = {}   # dbname -> clock time to read its schedule again
        self.reads = 0         # schedule reads made (for benchmarks and logs)

    def refresh(self, dbname):
        """Read ``dbname``'s schedule now (after its jobs ran, or when told)."""
        now = self._clock()
        try:
            seconds = self._read_next_due(dbname)
        except Exception:  # noqa: BLE001 (one broken tenant must not stop the others)
            _logger.warning("saas_router: cannot read the cron schedule of %s", dbname,
                            exc_info=True)
            seconds = None
        if seconds == SUSPENDED:
            seconds, next_read = None, now + self._suspended_recheck
        else:
            next_read = now + self._recheck * random.uniform(0.5, 1.0)
        with self._lock:
            self.reads += 1
            self._due_at[dbname] = float("inf") if seconds is None else now + seconds
            self._next_read[dbname] = next_read

    def refresh_all(self, dbnames):
        """Read the schedules of ``dbnames``, up to ``readers`` at once; a
        tenant whose read fails counts as having no job (``refresh``)."""
        if len(dbnames) <= 1 or self._readers <= 1:
            for dbname in dbnames:
                self.refresh(dbname)
            return
        with concurrent.futures.ThreadPoolExecutor(
                min(self._readers, len(dbnames)), thread_name_prefix="saas_cron_schedule") as pool:
            for _ in pool.map(self.refresh, dbnames):
                pass

    def notified(self, dbnames):
        """Odoo's ``cron_trigger`` named these databases: read them again."""
        for dbname in set(dbnames):
            if routing.is_tenant_db(dbname) and dbname in self._due_at:
                self.refresh(dbname)

    def due(self):
        """The tenant databases with a job due now, in name order."""
        tenants = self._list_tenants()
        self.routable = frozenset(tenants)
        with self._lock:
            for gone in set(self._due_at) - set(tenants):
                del self._due_at[gone]
                del self._next_read[gone]
        now = self._clock()
        self.refresh_all([db for db in tenants if now >= self._next_read.get(db, now)])
        now = self._clock()
        with self._lock:
            return [db for db in tenants if self._due_at.get(db, float("inf")) <= now]


SCHEDULE = TenantCronSchedule()


def ready_databases(registries):
    """Names of the loaded, ready registries of the LRU ``registries``,
    read under its lock: another thread may be adding a registry."""
    with registries._lock:
        items = list(registries.d.items())
    return [name for name, registry in items if registry.ready]


def databases_to_process(registries, schedule=SCHEDULE):
    """What one cron pass processes: the master databases of the config
    (always: their crons must not depend on a loaded registry), the ready
    registries, then the tenants that are due."""
    names = [db for db in (config["db_name"] or "").split(",") if db]
    if not routing.serves_tenants():  # the master's processes: no tenant's job
        return names
    due = schedule.due()
    # A registry of a tenant database that is not served (a warm-pool clone
    # loaded ahead, a tenant being made or ended) runs nothing.
    ready = [db for db in ready_databases(registries)
             if not routing.is_tenant_db(db) or db in schedule.routable]
    for db in ready + due:
        if db not in names and not routing.served_elsewhere(db):
            names.append(db)
    return names


def process_jobs(dbname):
    """Odoo's own ``_process_jobs`` (wrapped by ``install``: a tenant's
    schedule is read again after its jobs ran)."""
    from odoo.addons.base.models.ir_cron import ir_cron  # noqa: PLC0415

    ir_cron._process_jobs(dbname)


def dispatch_once(registries, notified=(), schedule=SCHEDULE, process=process_jobs):
    """One cron pass; an error of one database is logged and the pass goes on."""
    schedule.notified(notified)
    done = []
    for dbname in databases_to_process(registries, schedule):
        thread = threading.current_thread()
        thread.start_time = time.time()
        try:
            process(dbname)
            done.append(dbname)
        except Exception:  # noqa: BLE001
            _logger.warning("saas_router: cron pass failed on %s", dbname, exc_info=True)
        finally:
            thread.start_time = None
    return done


def _drain_notifies(pg_conn):
    payloads = [n.payload for n in pg_conn.notifies]
    pg_conn.notifies.clear()
    return payloads


def cron_thread(server, number, stop=None):
    """The threaded server's cron thread (replaces Odoo's; same timing:
    wake on ``cron_trigger`` or every SLEEP_INTERVAL + number seconds)."""
    from odoo.modules.registry import Registry  # noqa: PLC0415

    while not (stop and stop.is_set()):
        try:
            conn = sql_db.db_connect("postgres")
            with contextlib.closing(conn.cursor()) as cr:
                pg_conn = cr._cnx
                cr.execute("SELECT pg_is_in_recovery()")
                if not cr.fetchone()[0]:
                    cr.execute("LISTEN cron_trigger")
                cr.commit()
                alive = time.monotonic()
                limit = config["limit_time_worker_cron"]
                while not (stop and stop.is_set()) and (
                        limit <= 0 or time.monotonic() - alive <= limit):
                    select.select([pg_conn], [], [], SLEEP_INTERVAL + number)
                    time.sleep(number / 100)
                    pg_conn.poll()
                    dispatch_once(Registry.registries, _drain_notifies(pg_conn))
                pg_conn.close()
        except Exception:  # noqa: BLE001 (a dead cron thread stops every cron silently)
            _logger.exception("saas_router: cron%d failed; going on in %ss", number,
                              ERROR_PAUSE)
            time.sleep(ERROR_PAUSE)


def _cron_db_list(worker):
    """Prefork cron worker: its databases (``db_name``) and the due tenants
    (the master's processes: ``db_name`` only; the tenants' have none)."""
    if not routing.serves_tenants():
        return _odoo_cron_db_list(worker)
    names = _odoo_cron_db_list(worker) if routing.serves_master() else []
    cursor = getattr(worker, "dbcursor", None)
    notified = _drain_notifies(cursor._cnx) if cursor is not None else ()
    SCHEDULE.notified(notified)
    return names + [db for db in SCHEDULE.due()
                    if db not in names and not routing.served_elsewhere(db)]


def _process_jobs_then_refresh(cls, db_name):
    """Odoo's ``_process_jobs``, isolated per tenant: Odoo re-raises a
    ProgrammingError of a database (a tenant that revoked from its own role
    a privilege on ``ir_cron`` or ``ir_module_module``), which ends a prefork
    cron worker, and its successor starts the list again, so the tenants
    after that one would never run.  A tenant's error is logged; the
    master's is raised as Odoo does."""
    try:
        return _odoo_process_jobs.__func__(cls, db_name)
    except Exception as exc:
        if not routing.is_tenant_db(db_name):
            raise
        _logger.warning("saas_router: the crons of %s failed: %s", db_name, exc, exc_info=True)
        return None
    finally:
        if routing.is_tenant_db(db_name):
            SCHEDULE.refresh(db_name)


_odoo_cron_db_list = None
_odoo_process_jobs = None


def install():
    global _odoo_cron_db_list, _odoo_process_jobs  # noqa: PLW0603
    from odoo.addons.base.models.ir_cron import ir_cron  # noqa: PLC0415
    from odoo.service import server  # noqa: PLC0415

    if server.ThreadedServer.cron_thread is not cron_thread:
        server.ThreadedServer.cron_thread = cron_thread
        _odoo_cron_db_list = server.WorkerCron._db_list
        server.WorkerCron._db_list = _cron_db_list
        _odoo_process_jobs = ir_cron._process_jobs
        ir_cron._process_jobs = classmethod(_process_jobs_then_refresh)
