"""Tenant roles: derived passwords, a database born owned by its role,
logins only when allowed, roles with powers refused, the master's
settings and template hand-over (PgAdmin and TenantDatabase)."""
import psycopg2
import pytest

from adapters_common import PG, _name, _sql, ad, creds


@pytest.fixture
def tenant(pg, dbs, small_tpl):
    """A database born owned by a role of its own name, closed to others."""
    name = _name()
    dbs.append(name)
    password = creds.derive_password("x" * 40, name)
    pg.ensure_role(name, creds.scram_verifier(password))
    pg.create_from_template(name, small_tpl, owner=name)
    pg.close_to_others(name)
    yield name, password
    pg.drop(name)
    pg.drop_role(name)


def _connect_as(role, password, dbname):
    return psycopg2.connect(host=PG["host"], port=PG["port"], user=role, password=password,
                            dbname=dbname, connect_timeout=5)


def test_derived_passwords():
    secret = "s" * 40
    one = creds.derive_password(secret, "saas_t_a")
    assert one == creds.derive_password(secret, "saas_t_a")
    assert one != creds.derive_password(secret, "saas_t_b")
    assert one != creds.derive_password("t" * 40, "saas_t_a")
    verifier = creds.scram_verifier(one)
    assert verifier.startswith("SCRAM-SHA-256$4096:") and one not in verifier


def test_tenant_role_login_only_when_allowed(pg, tenant):
    db, password = tenant
    assert pg.database_owner(db) == db
    with pytest.raises(psycopg2.OperationalError, match="not permitted to log in"):
        _connect_as(db, password, db)
    pg.set_login(db, True)
    conn = _connect_as(db, password, db)
    with conn.cursor() as cr:
        cr.execute("SELECT current_user, pg_has_role(current_user, 'pg_signal_backend', "
                   "'MEMBER'), has_database_privilege('public', current_database(), 'CONNECT')")
        assert cr.fetchone() == (db, False, False)
    conn.close()
    with pytest.raises(psycopg2.OperationalError, match="wrong|authentication failed"):
        _connect_as(db, "not-the-password", db)
    # ensure_role again (a retried clone step) closes it, keeps it ours
    pg.ensure_role(db, creds.scram_verifier(password))
    with pytest.raises(psycopg2.OperationalError, match="not permitted to log in"):
        _connect_as(db, password, db)


def test_master_cannot_grant_itself_predefined_roles():
    """PostgreSQL 16+: CREATEROLE administers only the roles it created.  On
    15 the master's role could grant itself pg_execute_server_program (then
    COPY ... TO PROGRAM is a shell as the postgres OS user)."""
    assert int(_sql("postgres", "SHOW server_version_num")[0][0]) >= 160000
    for predefined in ("pg_execute_server_program", "pg_read_server_files",
                       "pg_write_server_files", "pg_signal_backend"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            _sql("postgres", f"GRANT {predefined} TO CURRENT_USER", fetch=False)
    assert _sql("postgres", "SELECT pg_has_role(current_user, 'pg_execute_server_program', "
                            "'MEMBER')") == [(False,)]


def test_tenant_role_cannot_connect_elsewhere(pg, dbs, tenant):
    db, password = tenant
    pg.set_login(db, True)
    other = _name()
    dbs.append(other)
    pg.create_database(other)
    with pytest.raises(psycopg2.OperationalError, match="permission denied for database"):
        _connect_as(db, password, other)
    pg.drop(other)


def test_role_with_powers_is_refused(pg):
    role, power = _name("r"), _name("p")
    _sql("postgres", f'CREATE ROLE "{role}" NOLOGIN; CREATE ROLE "{power}" NOLOGIN; '
                     f'GRANT "{power}" TO "{role}"', fetch=False)
    try:
        with pytest.raises(ad.AdapterError, match="refusing to use it"):
            pg.ensure_role(role)
    finally:
        pg.drop_role(role)
        pg.drop_role(power)
    assert not pg.role_exists(role)
    assert pg.drop_role(role) is False  # idempotent
    for name in ("postgres", PG["user"], "pg_signal_backend", "x y"):
        with pytest.raises(ad.InvalidNameError):
            pg.drop_role(name)


def test_settings_not_ours_are_never_written(pg, tenant):
    """A tenant that planted its own saas_control.tenant_setting (with a trigger that
    would run as us) gets a clear refusal; nothing of ours runs there."""
    db, password = tenant
    pg.set_login(db, True)
    conn = _connect_as(db, password, db)
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute("CREATE SCHEMA saas_control; CREATE TABLE saas_control.tenant_setting "
                   "(key varchar PRIMARY KEY, value text NOT NULL, write_date timestamp)")
    conn.close()
    with pytest.raises(ad.AdapterError, match="not owned by the master"):
        ad.TenantDatabase(PG, db).write_settings({"suspended": "1"})
    assert _sql(db, "SELECT count(*) FROM saas_control.tenant_setting") == [(0,)]


def test_master_session_ignores_tenant_database_defaults(pg, tenant):
    """Defaults the tenant set on its own database (a search_path through
    its schemas, read-only transactions) do not reach our sessions."""
    db, password = tenant
    tenant_db = ad.TenantDatabase(PG, db, tenant_credentials=(db, password))
    tenant_db.write_settings({"suspended": "0"})
    pg.set_login(db, True)
    conn = _connect_as(db, password, db)
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(f'ALTER DATABASE "{db}" SET search_path = evil, public')
        cr.execute(f'ALTER DATABASE "{db}" SET default_transaction_read_only = on')
    conn.close()
    tenant_db.write_settings({"suspended": "1"})
    assert tenant_db.read_settings()["suspended"] == "1"
    assert _sql(db, "SELECT current_setting('search_path')")[0][0] == "evil, public"


def test_hand_over_of_an_outdated_template_is_refused(pg, tenant):
    """small_tpl's tables belong to our own role, not to an objects owner:
    a clone of it cannot be handed to its tenant, and says why."""
    db, _password = tenant
    owner = _name("owner")
    pg.ensure_role(owner)
    try:
        with pytest.raises(ad.TemplateOutdatedError, match="rebuild the template"):
            ad.TenantDatabase(PG, db).hand_over(owner, db)
    finally:
        pg.drop_role(owner)
