"""TenantLogin: a suspended tenant's role cannot log in; the master's
windows; reactivation (adapters/tenant_login.py)."""
import psycopg2
import pytest

from adapters_common import PG, TENANT_SECRET, _name, _sql, ad, creds


def _tenant_role_and_db(pg, dbs):
    name = _name()
    dbs.append(name)
    password = creds.derive_password(TENANT_SECRET, name)
    pg.ensure_role(name, creds.scram_verifier(password), login=True)
    pg.create_from_template(name, "template0", owner=name)
    return name, dict(PG, user=name, password=password, dbname=name)


def _can_login(role):
    return _sql("postgres", "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [role])[0][0]


def test_tenant_login_lock_windows_and_unlock(pg, dbs):
    role, login = _tenant_role_and_db(pg, dbs)
    served = [True]
    access = ad.TenantLogin(PG, role, lambda: served[0])
    session = psycopg2.connect(**login)  # the tenant, at work
    session.autocommit = True
    # suspension: NOLOGIN, and its session is ended
    served[0] = False
    assert access.lock() is True
    assert _can_login(role) is False
    with pytest.raises(psycopg2.OperationalError):
        session.cursor().execute("SELECT 1")
    with pytest.raises(psycopg2.OperationalError, match="not permitted to log in"):
        psycopg2.connect(**login)
    # the master's window: it may log in as the tenant, and NOLOGIN comes back
    with access.window():
        conn = psycopg2.connect(**login)
        conn.close()
        # nested windows (a backup inside a restore): the outer one relocks
        with access.window():
            assert _can_login(role) is True
        assert _can_login(role) is True
    assert _can_login(role) is False
    # a suspension while a window is open waits for it to end
    with access.window():
        busy = psycopg2.connect(**login)
        assert access.lock() is False
        assert busy.cursor() and _can_login(role) is True
    assert _can_login(role) is False
    assert _sql("postgres", "SELECT count(*) FROM pg_stat_activity WHERE usename = %s",
                [role]) == [(0,)]
    # reactivation: LOGIN; a window ending meanwhile does not take it back
    with access.window(), access.unlocked():
        pg.set_login(role, True)
        served[0] = True
    assert _can_login(role) is True
    conn = psycopg2.connect(**login)
    conn.close()
    # a window on a served tenant changes nothing
    with access.window():
        pass
    assert _can_login(role) is True
    session.close()
