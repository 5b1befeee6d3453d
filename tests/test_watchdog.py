"""Fair sharing against the real PostgreSQL server: a tenant role's
CONNECTION LIMIT (PgAdmin) and the watchdog's pass (adapters/watchdog.py).

Plain Python, no registry: the adapters of adapters_common.py, the
fixtures of conftest.py.
Ages are computed, never waited for: the pass takes ``now`` (read from the
server: the sleeping session's own start plus or minus a margin).
"""
import ast
import configparser
import datetime
import os
import select
import subprocess
import time

import psycopg2
import pytest

from adapters_common import ODOO_PYTHON, PG, REPO, TPL_OWNER, _name, _sql, ad, creds

SECRET = "w" * 40


def _plan_constant(name):
    """A constant of saas_base/models/saas_plan.py (which imports Odoo)."""
    tree = ast.parse((REPO / "saas_base" / "models" / "saas_plan.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == name:
            return ast.literal_eval(node.value)
    raise LookupError(name)


MIN_TENANT_CONNECTIONS = _plan_constant("MIN_TENANT_CONNECTIONS")


@pytest.fixture
def roles(pg):
    """Make tenant-like roles (LOGIN, derived password); dropped at the end."""
    made = []

    def make(limit=-1, secret=SECRET):
        role = _name()
        password = creds.derive_password(secret, role)
        pg.ensure_role(role, creds.scram_verifier(password), login=True,
                       connection_limit=limit)
        made.append(role)
        return role, password

    yield make
    for role in made:
        pg.set_login(role, False)
        _sql("postgres", "SELECT pg_terminate_backend(pid, 5000) "
                         "FROM pg_stat_activity WHERE usename = %s", [role])
        for (db,) in _sql("postgres", "SELECT datname FROM pg_database "
                                      "WHERE datdba = %s::regrole", [role]):
            pg.drop(db)
        pg.drop_role(role)


def _connect(role, password, dbname="postgres", async_=False):
    conn = psycopg2.connect(host=PG["host"], port=PG["port"], user=role, password=password,
                            dbname=dbname, connect_timeout=5, async_=async_)
    if async_:
        _wait(conn)
    return conn


def _wait(conn, timeout=30):
    """Drive an async connection until its current operation is done."""
    deadline = time.monotonic() + timeout
    while True:
        state = conn.poll()
        if state == psycopg2.extensions.POLL_OK:
            return
        assert time.monotonic() < deadline, "server did not answer"
        fd = [conn.fileno()]
        if state == psycopg2.extensions.POLL_READ:
            select.select(fd, [], [], 1)
        else:
            select.select([], fd, [], 1)


_CURSORS = []


def _sleeper(role, password, sql="SELECT pg_sleep(600)"):
    """A session of ``role`` busy in ``sql`` (sent, not waited for); returns
    (connection, pid, start of its transaction and of the session by the
    server's clock)."""
    conn = _connect(role, password, async_=True) if role != PG["user"] else \
        psycopg2.connect(dbname="postgres", async_=True, **PG)
    _wait(conn)
    pid = conn.get_backend_pid()
    cursor = conn.cursor()
    _CURSORS.append(cursor)
    cursor.execute(sql)
    deadline = time.monotonic() + 30  # liveness: the server starts it at once
    while True:
        rows = _sql("postgres", "SELECT coalesce(xact_start, query_start), backend_start "
                                "FROM pg_stat_activity WHERE pid = %s AND state = 'active'",
                    [pid])
        if rows and rows[0][0]:
            return conn, pid, rows[0][0], rows[0][1]
        assert time.monotonic() < deadline, "the session never became active"
        time.sleep(0.05)


def _idle_in_transaction(role, password):
    conn = _connect(role, password)
    with conn.cursor() as cr:
        cr.execute("SELECT 1")  # psycopg2 opened a transaction: now idle in it
    pid = conn.get_backend_pid()
    [(xact_start, backend_start, state)] = _sql(
        "postgres", "SELECT xact_start, backend_start, state FROM pg_stat_activity "
                    "WHERE pid = %s", [pid])
    assert state == "idle in transaction"
    return conn, pid, xact_start, backend_start


def _gone(pid, timeout=30):
    deadline = time.monotonic() + timeout  # liveness: the backend exits on the signal
    while _sql("postgres", "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _alive(pid):
    return bool(_sql("postgres", "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]))


# -- CONNECTION LIMIT ------------------------------------------------------------------

def test_connection_limit_refuses_the_third_session(pg, dbs, small_tpl, roles):
    role, password = roles(limit=2)
    assert pg.connection_limit(role) == 2
    db = _name()
    dbs.append(db)
    pg.create_from_template(db, small_tpl, owner=role)
    pg.close_to_others(db)
    first, second = _connect(role, password, db), _connect(role, password, db)
    with pytest.raises(psycopg2.OperationalError, match="too many connections for role"):
        _connect(role, password, db)
    # the limit is the role's, whatever the database
    with pytest.raises(psycopg2.OperationalError, match="too many connections for role"):
        _connect(role, password, "postgres")
    # the master's own sessions are not the tenant's: they still work
    assert pg.size_bytes(db) > 0
    assert pg.connection_count(db) == 2
    assert _sql(db, "SELECT count(*) FROM item") == [(2,)]
    first.close()
    third = _connect(role, password, db)  # a slot was freed
    # a plan change: raised at once, and lifted (-1) when the plan has none
    assert pg.set_connection_limit(role, 3) is True
    fourth = _connect(role, password, db)
    assert pg.set_connection_limit(role, -1) is True
    extra = [_connect(role, password, db) for _ in range(3)]
    # a reset of the role (reactivation) puts the limit it is given
    pg.ensure_role(role, creds.scram_verifier(password), login=True, connection_limit=2)
    assert pg.connection_limit(role) == 2
    with pytest.raises(psycopg2.OperationalError, match="too many connections for role"):
        _connect(role, password, db)
    for conn in [second, third, fourth, *extra]:
        conn.close()


def test_connection_limit_refusals_change_nothing(pg, roles):
    role, _password = roles(limit=5)
    for bad in (-2, "3", 2.5, None, True):
        with pytest.raises(ad.AdapterError):
            pg.set_connection_limit(role, bad)
        with pytest.raises(ad.AdapterError):
            pg.ensure_role(role, login=True, connection_limit=bad)
    assert pg.connection_limit(role) == 5
    assert pg.set_connection_limit(_name(), 3) is False  # no such role: nothing made
    for bad in ("postgres", PG["user"], "pg_signal_backend", 'x"; DROP ROLE y; --'):
        with pytest.raises(ad.InvalidNameError):
            pg.set_connection_limit(bad, 3)


def _real_conf():
    """The test run's Odoo configuration (server-wide modules as in
    production) and its tenant role secret; None outside ./dev test."""
    path = os.environ.get("SAAS_ODOO_CONF")
    if not path:
        return None, None
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    return path, parser.get("saas_router", "tenant_role_secret", fallback=None)


def test_module_update_fits_in_the_smallest_limit(pg, dbs, odoo_tpl, odoo_conf, roles):
    """`odoo -u` as the tenant's role, as the master runs it
    (tools/odoo_cli.update: the run's configuration, its server-wide
    modules), while every other session the smallest limit allows is taken
    (the tenant's own, a backup's pg_dump, a usage count): it fits.  With
    that one slot taken too, it fails: `odoo -u` needs exactly one at a
    time, measured, not guessed."""
    conf, secret = _real_conf()
    conf = conf or str(odoo_conf)
    role, password = roles(limit=MIN_TENANT_CONNECTIONS, secret=secret or SECRET)
    pg.create_from_template(role, odoo_tpl, owner=role)
    dbs.append(role)
    pg.close_to_others(role)
    ad.TenantDatabase(PG, role, tenant_credentials=(role, password)).hand_over(TPL_OWNER, role)

    def update(*modules):
        res = subprocess.run(
            [ODOO_PYTHON, "-m", "odoo", "-c", conf, "-d", role, "--db_host", PG["host"],
             "--db_port", str(PG["port"]), "-r", role, "-w", password, "--no-http",
             "--max-cron-threads=0", *modules, "--stop-after-init", "--log-level=warn"],
            cwd=REPO, capture_output=True, text=True, timeout=900)
        return res.returncode, res.stdout + res.stderr

    others = [_connect(role, password, role) for _ in range(MIN_TENANT_CONNECTIONS - 1)]
    # (saas_tenant first: the router serves no tenant registry without it,
    # and this template has base only)
    code, out = update("-i", "saas_tenant")
    assert code == 0 and "too many connections" not in out, out[-3000:]
    others.append(_connect(role, password, role))
    code, out = update("-u", "base")
    assert code != 0 and "too many connections for role" in out, out[-3000:]
    for conn in others:
        conn.close()


# -- the watchdog ----------------------------------------------------------------------

def _pass(limits, exemptions=None, now=None):
    return ad.watchdog.end_overrunning(PG, limits, exemptions, now=now)


def test_watchdog_ends_only_what_overruns(roles):
    (slow, slow_pw), (idle, idle_pw), (fast, fast_pw), (other, other_pw) = (
        roles(), roles(), roles(), roles())
    limit = 30
    s_conn, s_pid, s_start, _b = _sleeper(slow, slow_pw)
    i_conn, i_pid, i_start, _b = _idle_in_transaction(idle, idle_pw)
    f_conn, f_pid, f_start, _b = _sleeper(fast, fast_pw)
    o_conn, o_pid, o_start, _b = _sleeper(other, other_pw)
    # the master's own session, as old as the others, is never a target
    m_conn, m_pid, _s, _b = _sleeper(PG["user"], None, "SELECT pg_sleep(120)")
    with pytest.raises(ad.InvalidNameError):
        _pass({PG["user"]: limit})

    # just under the limit: nobody
    at = min(s_start, i_start) + datetime.timedelta(seconds=limit - 1)
    assert _pass({slow: limit, idle: limit}, now=at) == []
    assert _alive(s_pid) and _alive(i_pid)

    # past it for slow and idle (0 = no limit for fast; other is not watched)
    at = max(s_start, i_start, f_start, o_start) + datetime.timedelta(seconds=limit + 1)
    ended = _pass({slow: limit, idle: limit, fast: 0}, now=at)
    assert sorted((e["role"], e["pid"], e["state"], e["limit"], e["ended"]) for e in ended) \
        == sorted([(slow, s_pid, "active", limit, True),
                   (idle, i_pid, "idle in transaction", limit, True)])
    assert all(limit < e["seconds"] < limit + 60 for e in ended)
    assert _gone(s_pid) and _gone(i_pid)
    assert _alive(f_pid) and _alive(o_pid) and _alive(m_pid)
    with pytest.raises(psycopg2.OperationalError):
        _wait(s_conn)  # the tenant's client sees its session end
    # an idle session (no transaction) is never ended, however old
    i2 = _connect(idle, idle_pw)
    i2.autocommit = True
    with i2.cursor() as cr:
        cr.execute("SELECT 1")
    assert _pass({idle: 1}, now=at + datetime.timedelta(hours=1)) == []
    assert _alive(i2.get_backend_pid())
    _sql("postgres", "SELECT pg_cancel_backend(%s)", [m_pid])
    for conn in (i_conn, f_conn, o_conn, m_conn, i2):
        conn.close()


def test_watchdog_spares_the_masters_jobs_only(roles):
    (role, password), = (roles(),)
    limit = 10
    conn, pid, start, backend_start = _sleeper(role, password)
    at = start + datetime.timedelta(seconds=limit + 5)
    # an exemption that started before the session: spared
    exempt = {role: backend_start - datetime.timedelta(seconds=1)}
    assert _pass({role: limit}, exempt, now=at) == []
    assert _alive(pid)
    # an exemption of another role spares nothing of this one
    other, _pw = roles()
    # an exemption started well after the session opened (the tenant's own
    # session, older than the master's job): not spared
    late = {role: backend_start + datetime.timedelta(
        seconds=ad.watchdog.CLOCK_SLACK_SECONDS + 5), other: backend_start}
    ended = _pass({role: limit}, late, now=at)
    assert [e["pid"] for e in ended] == [pid]
    assert _gone(pid)
    conn.close()


def test_watchdog_refuses_bad_input():
    for limits in ({"postgres": 5}, {"pg_monitor": 5}, {'a"; --': 5}, {"ok_role": -1},
                   {"ok_role": "5"}, {"ok_role": True}):
        with pytest.raises(ad.InvalidNameError):
            _pass(limits)
    with pytest.raises(ad.InvalidNameError):
        _pass({"ok_role": 5}, {"ok_role": "yesterday"})
    assert _pass({}) == [] and _pass({"ok_role": 0}) == []
