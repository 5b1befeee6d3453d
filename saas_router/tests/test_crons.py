import threading
import time
from unittest.mock import patch

import psycopg2

from odoo import sql_db
from odoo.tests import BaseCase, tagged
from odoo.tools import config
from odoo.tools.lru import LRU

from odoo.addons.saas_router import crons, routing


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class FakeTenants:
    """Tenant databases and when their next job is due (clock time, None:
    no job, or SUSPENDED), as read from PostgreSQL."""

    def __init__(self, clock, **due_at):
        self.clock = clock
        self.due_at = {db(k): v for k, v in due_at.items()}
        self.reads = []

    def list(self):
        return sorted(self.due_at)

    def next_due(self, dbname):
        self.reads.append(dbname)
        value = self.due_at[dbname]
        if isinstance(value, Exception):
            raise value
        if value is None or value == crons.SUSPENDED:
            return value
        return value - self.clock()


_NAMES = {}


def db(key):
    """An opaque tenant database name, the same for ``key`` all along."""
    return _NAMES.setdefault(key, routing.new_tenant_db_name())


@tagged("post_install", "-at_install")
class TestTenantCronSchedule(BaseCase):
    def schedule(self, tenants, clock):
        return crons.TenantCronSchedule(tenants.list, tenants.next_due, clock=clock,
                                        recheck=3600, suspended_recheck=300)

    def test_idle_tenants_cost_one_read_then_nothing(self):
        clock = FakeClock()
        tenants = FakeTenants(clock, busy=clock.now - 5, idle=clock.now + 86400, empty=None)
        schedule = self.schedule(tenants, clock)
        self.assertEqual(schedule.due(), [db("busy")])
        self.assertEqual(sorted(tenants.reads), sorted(tenants.list()))
        # later passes read nobody until something changes or the recheck
        tenants.reads.clear()
        for _ in range(10):
            clock.now += 30
            schedule.due()
        self.assertEqual(tenants.reads, [])
        # the busy tenant's jobs ran: read again, no longer due
        tenants.due_at[db("busy")] = clock.now + 600
        schedule.refresh(db("busy"))
        self.assertEqual(schedule.due(), [])
        # time passes: due again without any read
        clock.now += 601
        tenants.reads.clear()
        self.assertEqual(schedule.due(), [db("busy")])
        self.assertEqual(tenants.reads, [])

    def test_notification_and_recheck_read_again(self):
        clock = FakeClock()
        tenants = FakeTenants(clock, a=None, b=None)
        schedule = self.schedule(tenants, clock)
        self.assertEqual(schedule.due(), [])
        # a new trigger in tenant a: Odoo notifies cron_trigger with its name
        tenants.due_at[db("a")] = clock.now
        schedule.notified([db("a"), "some_master_db", db("not_known")])
        self.assertEqual(schedule.due(), [db("a")])
        # b changed by plain SQL (no notification): seen at the latest at the recheck
        tenants.due_at[db("b")] = clock.now
        clock.now += 3600
        self.assertEqual(schedule.due(), sorted([db("a"), db("b")]))

    def test_suspended_and_broken_tenants_do_not_run(self):
        clock = FakeClock()
        tenants = FakeTenants(clock, off=crons.SUSPENDED, broken=RuntimeError("boom"),
                              ok=clock.now)
        schedule = self.schedule(tenants, clock)
        with self.assertLogs("odoo.addons.saas_router.crons", "WARNING"):
            self.assertEqual(schedule.due(), [db("ok")])
        # reactivated: seen within the suspended recheck, not the hourly one
        tenants.due_at[db("off")] = clock.now
        clock.now += 301
        self.assertIn(db("off"), schedule.due())

    def test_stale_schedules_are_read_concurrently_and_errors_stay_local(self):
        """A pass with many stale schedules (the first, after a start) reads
        them several at a time; a tenant whose read fails (or hangs up) is
        skipped, every other one is read and the due ones run."""
        clock = FakeClock()
        due_at = {f"t{i:02d}": (clock.now if i % 3 == 0 else None) for i in range(12)}
        due_at["t05"] = RuntimeError("password authentication failed")
        due_at["t07"] = psycopg2.OperationalError("server closed the connection")
        tenants = FakeTenants(clock, **due_at)
        # two reads must be in flight together, or both wait out the barrier
        # and fail (a failed read counts as "no job": t00 and t03 would be missing)
        together = threading.Barrier(2, timeout=30)
        read = tenants.next_due

        def next_due(dbname):
            if dbname in (db("t00"), db("t03")):
                together.wait()
            return read(dbname)

        schedule = crons.TenantCronSchedule(tenants.list, next_due, clock=clock, readers=4)
        with self.assertLogs("odoo.addons.saas_router.crons", "WARNING") as logs:
            due = schedule.due()
        self.assertEqual(due, sorted([db("t00"), db("t03"), db("t06"), db("t09")]))
        self.assertEqual(sorted(tenants.reads), tenants.list())
        self.assertEqual(schedule.reads, 12)
        self.assertEqual(len(logs.records), 2)
        self.assertFalse(together.broken)

    def test_dropped_tenant_is_forgotten(self):
        clock = FakeClock()
        tenants = FakeTenants(clock, a=clock.now, b=clock.now)
        schedule = self.schedule(tenants, clock)
        self.assertEqual(schedule.due(), sorted([db("a"), db("b")]))
        del tenants.due_at[db("a")]
        self.assertEqual(schedule.due(), [db("b")])


class FakeRegistry:
    def __init__(self, ready=True, on_ready=None):
        self._ready = ready
        self._on_ready = on_ready

    @property
    def ready(self):
        if self._on_ready:
            self._on_ready()
        return self._ready


@tagged("post_install", "-at_install")
class TestCronPass(BaseCase):
    def race_registries(self):
        """An LRU of registries in which reading one registry stands for a
        request thread loading another one in between (a new tenant's first
        request): what killed Odoo's cron thread."""
        registries = LRU(10)

        def load_new_registry():
            registries["new"] = FakeRegistry(ready=False)

        # the LRU puts each new entry first: "a" is read first
        registries["c"] = FakeRegistry()
        registries["b"] = FakeRegistry(ready=False)
        registries["a"] = FakeRegistry(on_ready=load_new_registry)
        return registries

    def test_registry_lookup_during_the_pass(self):
        registries = self.race_registries()
        # Odoo's loop over registries.d.items() dies of it ...
        with self.assertRaisesRegex(RuntimeError, "mutated during iteration"):
            for _name, registry in registries.d.items():
                registry.ready  # noqa: B018
        # ... ours reads a snapshot taken under the LRU's lock
        self.assertEqual(sorted(crons.ready_databases(self.race_registries())), ["a", "c"])

    def test_pass_goes_on_after_an_error_and_always_has_the_master(self):
        clock = FakeClock()
        tenants = FakeTenants(clock, due=clock.now, idle=None)
        schedule = crons.TenantCronSchedule(tenants.list, tenants.next_due, clock=clock)
        registries = LRU(10)
        registries["loaded_db"] = FakeRegistry()
        processed = []

        def process(dbname):
            processed.append(dbname)
            if dbname == "loaded_db":
                raise RuntimeError("a broken database")

        with patch.dict(config.options, db_name="master_db"), \
                self.assertLogs("odoo.addons.saas_router.crons", "WARNING"):
            done = crons.dispatch_once(registries, (), schedule, process)
        self.assertEqual(processed, ["master_db", "loaded_db", db("due")])
        self.assertEqual(done, ["master_db", db("due")])

    def test_registries_of_tenants_not_served_run_nothing(self):
        """A warm-pool clone's registry is loaded ahead, and a tenant's stays
        loaded after it is ended: only served tenants' registries run."""
        clock = FakeClock()
        tenants = FakeTenants(clock, served=None)
        schedule = crons.TenantCronSchedule(tenants.list, tenants.next_due, clock=clock)
        registries = LRU(10)
        for name in (db("served"), routing.tenant_db_prefix() + "_pool1a2b", "other_db"):
            registries[name] = FakeRegistry()
        with patch.dict(config.options, db_name="master_db"):
            names = crons.databases_to_process(registries, schedule)
        self.assertEqual(sorted(names), sorted(["master_db", "other_db", db("served")]))

    def test_prefork_cron_worker_gets_master_and_notified_due_tenants(self):
        """Odoo's WorkerCron asks ``_db_list`` (installed by saas_router) what
        to process: the master of db_name, then the tenants due, a tenant
        named by a cron_trigger notification read again at once."""
        from odoo.service import server  # noqa: PLC0415

        self.assertIs(server.WorkerCron._db_list, crons._cron_db_list)
        clock = FakeClock()
        tenants = FakeTenants(clock, a=None, b=None)
        schedule = crons.TenantCronSchedule(tenants.list, tenants.next_due, clock=clock)

        class Notify:
            def __init__(self, payload):
                self.payload = payload

        class Connection:
            notifies = []

        class Worker:
            dbcursor = type("Cursor", (), {"_cnx": Connection()})()

        worker = Worker()
        with patch.dict(config.options, db_name="master_db"), \
                patch.object(crons, "SCHEDULE", schedule):
            self.assertEqual(crons._cron_db_list(worker), ["master_db"])
            # tenant b gets a job due now; Odoo notifies with its name
            tenants.due_at[db("b")] = clock.now
            Connection.notifies.append(Notify(db("b")))
            self.assertEqual(crons._cron_db_list(worker), ["master_db", db("b")])
            self.assertEqual(Connection.notifies, [], "notifications are consumed")

    def test_each_group_runs_its_own_crons(self):
        """The master's processes (serve = master) run db_name only; the
        tenants' (serve = tenants, no db_name) the due tenants only."""
        clock = FakeClock()
        tenants = FakeTenants(clock, a=None)
        tenants.due_at[db("a")] = clock.now
        schedule = crons.TenantCronSchedule(tenants.list, tenants.next_due, clock=clock)
        registries = LRU(10)
        registries[db("a")] = FakeRegistry()
        worker = type("Worker", (), {"dbcursor": None})()
        with patch.dict(config.misc.setdefault("saas_router", {}), serve="master"), \
                patch.dict(config.options, db_name="master_db"), \
                patch.object(crons, "SCHEDULE", schedule):
            self.assertEqual(crons.databases_to_process(registries, schedule), ["master_db"])
            self.assertEqual(crons._cron_db_list(worker), ["master_db"])
        self.assertEqual(schedule.reads, 0, "the master's processes read no tenant")
        with patch.dict(config.misc["saas_router"], serve="tenants"), \
                patch.dict(config.options, db_name=""), \
                patch.object(crons, "SCHEDULE", schedule):
            self.assertEqual(crons.databases_to_process(registries, schedule), [db("a")])
            self.assertEqual(crons._cron_db_list(worker), [db("a")])

    def test_cron_thread_survives_an_error(self):
        """The replaced cron thread logs an error of a pass and goes on
        (Odoo's died and every cron of the process stopped)."""
        passes = []
        stop = threading.Event()

        def dispatch(registries, notified=()):
            passes.append(list(notified))
            if len(passes) == 1:
                raise RuntimeError("OrderedDict mutated during iteration")
            stop.set()

        thread = threading.Thread(target=crons.cron_thread, args=(None, 0, stop), daemon=True)
        with patch.object(crons, "dispatch_once", dispatch), \
                patch.object(crons, "ERROR_PAUSE", 0.05), \
                self.assertLogs("odoo.addons.saas_router.crons", "ERROR"):
            thread.start()
            deadline = time.monotonic() + 30
            while not stop.is_set() and time.monotonic() < deadline:
                # wake it as Odoo does, naming a database
                with sql_db.db_connect("postgres").cursor() as cr:
                    cr.execute("NOTIFY cron_trigger, 'wake_db'")
                time.sleep(0.2)
            thread.join(10)
        self.assertFalse(thread.is_alive())
        self.assertGreaterEqual(len(passes), 2, "a second pass ran after the error")
        self.assertIn("wake_db", passes[-1])
