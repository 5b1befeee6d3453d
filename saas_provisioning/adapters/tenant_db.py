"""One tenant database, seen from the master over plain SQL.

No Odoo registry is loaded: loading one costs a second or more and would run
the tenant's code inside the master. The statements follow Odoo 18's schema
(checked on a real 18.0 database: res_company.name, res_partner.name/email,
res_users.login/password are plain varchar; ir_config_parameter.key is
unique).
"""
import contextlib
import datetime

import psycopg2
from psycopg2 import sql
from passlib.context import CryptContext

from . import _pg, neutralise
from .contract import tenant_contract as contract
from .errors import (
    AdapterError,
    ServerUnreachableError,
    TemplateOutdatedError,
    TenantRefusedError,
)
from .names import check_db_name

# The settings the master decides live in a schema the master's role owns:
# the tenant's role (owner of everything else in its database) may only read
# them (no UPDATE, no trigger, no DROP).
# (The table, its keys and their encoding: saas_router/tenant_contract.py.)
SETTINGS_SCHEMA = contract.SCHEMA
SETTINGS_TABLE = contract.TABLE

# Startup options of every session we open as the master in a database its
# tenant has used.  The tenant owns that database and may have set defaults
# there (ALTER DATABASE ... SET): a search_path reaching its own schemas
# would let a function of the tenant's run with our privileges (the
# CVE-2018-1058 pattern), a read-only default would stop us suspending it.
# Options of the connection override database defaults; every statement of
# ours names its tables with their schema.
_MASTER_OPTIONS = ("-c search_path=pg_catalog -c default_transaction_read_only=off "
                   "-c statement_timeout=0 -c lock_timeout=0 "
                   "-c idle_in_transaction_session_timeout=0 -c role=none")
# A template we are building, or a fresh clone before its objects are handed
# to its tenant: only our objects are in it.
_TRUSTED_OPTIONS = _MASTER_OPTIONS.replace("search_path=pg_catalog", "search_path=public")
# Sessions that log in as the tenant's role.  They are the tenant (its
# session_user), so whatever code it planted runs with its own privileges
# and nothing more; the options only make our statements predictable
# against the defaults it may have set on its database or role.
_TENANT_OPTIONS = ("-c search_path=public -c default_transaction_read_only=off "
                   "-c statement_timeout=0 -c lock_timeout=0 "
                   "-c idle_in_transaction_session_timeout=0")

# Odoo 18's res.users._crypt_context(): pbkdf2_sha512 with at least
# MIN_ROUNDS rounds (odoo/addons/base/models/res_users.py). Odoo verifies with
# the scheme and rounds embedded in the hash, so a hash made here with the
# same scheme and rounds is accepted as is, and never needs an update.
ODOO_MIN_ROUNDS = 600_000
_CRYPT_CONTEXT = CryptContext(
    ["pbkdf2_sha512", "plaintext"],
    deprecated=["auto"],
    pbkdf2_sha512__rounds=ODOO_MIN_ROUNDS,
)


def hash_password(plain):
    """Hash ``plain`` exactly as Odoo 18 stores it in res_users.password
    (``$pbkdf2-sha512$600000$...``). Takes about half a second: that is the
    point of the 600000 rounds; do it once per tenant, outside any lock."""
    if not isinstance(plain, str) or not plain:
        raise ValueError("empty password")
    return _CRYPT_CONTEXT.hash(plain)


def verify_password(plain, hashed):
    """Check ``plain`` against a stored hash the way Odoo's login does."""
    return _CRYPT_CONTEXT.verify(plain, hashed)


def is_odoo_hash(value):
    try:
        return _CRYPT_CONTEXT.identify(value) == "pbkdf2_sha512"
    except (ValueError, TypeError):
        return False


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)


class TenantDatabase:
    """Plain-SQL access to one tenant database.

    Three ways in, by who owns what the session touches:

    - as the master, in a template being built or a fresh clone whose
      objects still belong to the template's owner (``trusted=True``):
      hand the objects to the tenant's role;
    - as the master, on the master's own table in a tenant database
      (``saas_control.tenant_setting``): every name schema-qualified,
      options pinned;
    - **logged in** as the tenant's role (``tenant_credentials``) for
      everything that reads or writes a tenant-owned object (customise,
      passwords, counts; :meth:`login_params` for pg_dump, psql and Odoo
      subprocesses).  Never ``SET ROLE``: a function the tenant planted (a
      CHECK constraint, a trigger, a default, a view, a policy, a shadowing
      name) runs in the session that touches its object and may ``SET ROLE
      NONE`` back to whoever logged in.

    :param conn_params: psycopg2.connect keyword arguments of the server
        (the ``dbname`` in them is replaced by ``dbname``).
    :param tenant_credentials: (role, password) of the tenant's role.
    """

    def __init__(self, conn_params, dbname, tenant_credentials=None):
        self.dbname = check_db_name(dbname)
        self.conn_params = dict(conn_params or {})
        self.tenant_credentials = tenant_credentials

    def login_params(self, dbname=None):
        """psycopg2 keyword arguments of a session that LOGS IN as the
        tenant's role, to this database or to ``dbname`` (a scratch database
        of the same tenant: a restore, a drill).  THE door to tenant-owned
        objects: pg_dump, psql and Odoo subprocesses take these too
        (libpq's PGUSER/PGPASSWORD/PGOPTIONS), never the master's login with
        a role option."""
        if not self.tenant_credentials:
            raise AdapterError(f"{self.dbname}: no credentials of the tenant's role")
        role, password = self.tenant_credentials
        if not role or role == self.conn_params.get("user"):
            raise AdapterError(f"{self.dbname}: {role!r} is not a tenant's role")
        params = dict(self.conn_params, user=role, password=password,
                      dbname=check_db_name(dbname or self.dbname), options=_TENANT_OPTIONS)
        params.setdefault("connect_timeout", _pg.CONNECT_TIMEOUT)
        return params

    def connect_as_tenant(self, dbname=None):
        """A connection (not autocommit) logged in as the tenant's role; see
        :meth:`login_params`."""
        return _pg.connect(self.login_params(dbname))

    @contextlib.contextmanager
    def _transaction(self, trusted=False, as_tenant=False):
        """A cursor in one transaction: committed when the block ends
        normally, rolled back on any error."""
        if as_tenant:
            params = self.login_params()
        else:
            params = dict(self.conn_params)
            params["options"] = _TRUSTED_OPTIONS if trusted else _MASTER_OPTIONS
        conn = _pg.connect(params, dbname=self.dbname)
        try:
            with conn.cursor() as cr:
                yield cr
            conn.commit()
        except psycopg2.Error as exc:
            if not conn.closed:
                conn.rollback()
            if _pg.is_connection_lost(exc):
                raise ServerUnreachableError(f"connection lost: {exc}".strip()) from exc
            if as_tenant:
                raise TenantRefusedError(
                    f"{self.dbname}: refused inside the tenant's database: "
                    f"{str(exc).strip()}") from exc
            raise
        except BaseException:
            if not conn.closed:
                conn.rollback()
            raise
        finally:
            conn.close()

    # -- saas_tenant_setting ----------------------------------------------------

    def read_settings(self):
        """All master-owned settings as a dict of strings ({} when the table
        does not exist yet)."""
        with self._transaction() as cr:
            cr.execute(contract.EXISTS_SQL, [SETTINGS_TABLE])
            if not cr.fetchone()[0]:
                return {}
            cr.execute(contract.READ_SQL)
            return dict(cr.fetchall())

    def write_settings(self, values, trusted=False):
        """Upsert ``values`` (key -> value, encoded by the contract:
        ``tenant_contract.encode``; None deletes the key), creating the table
        when missing."""
        values = contract.encode_all(values)
        with self._transaction(trusted=trusted) as cr:
            self._upsert_settings(cr, values)

    def _upsert_settings(self, cr, values):
        self._ensure_settings_table(cr)
        for key, value in values.items():
            if value is None:
                cr.execute(f"DELETE FROM {SETTINGS_TABLE} WHERE key = %s", [key])
                continue
            cr.execute(
                f"""INSERT INTO {SETTINGS_TABLE} (key, value, write_date)
                    VALUES (%s, %s, (pg_catalog.now() AT TIME ZONE 'UTC'))
                    ON CONFLICT (key) DO UPDATE
                    SET value = EXCLUDED.value, write_date = EXCLUDED.write_date""",
                [key, value],
            )

    def _ensure_settings_table(self, cr):
        """Create the schema and table (ours) when missing, readable by any
        role that may connect (the tenant's only); refuse to write into them
        when they belong to anyone else: an object of the tenant's could run
        its code with our privileges."""
        cr.execute("SELECT pg_catalog.to_regclass(%s)", [SETTINGS_TABLE])
        if cr.fetchone()[0] is None:
            cr.execute(f"CREATE SCHEMA IF NOT EXISTS {SETTINGS_SCHEMA}")
            cr.execute(f"CREATE TABLE IF NOT EXISTS {SETTINGS_TABLE} ({contract.COLUMNS})")
            cr.execute(f"GRANT USAGE ON SCHEMA {SETTINGS_SCHEMA} TO PUBLIC")
            cr.execute(f"GRANT SELECT ON {SETTINGS_TABLE} TO PUBLIC")
        cr.execute(
            """SELECT n.nspowner = r.oid AND c.relowner = r.oid
                 FROM pg_catalog.pg_class c
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 JOIN pg_catalog.pg_roles r ON r.rolname = current_user
                WHERE c.oid = pg_catalog.to_regclass(%s)""", [SETTINGS_TABLE])
        row = cr.fetchone()
        if not (row and row[0]):
            raise AdapterError(f"{self.dbname}: {SETTINGS_TABLE} is not owned by the "
                               "master's role; refusing to write it")

    # -- ownership ------------------------------------------------------------------

    def prepare_template(self, objects_owner):
        """In a new, empty template database (ours): the settings table,
        owned by us, with ``suspended = 1`` (a clone is closed until
        customised); and what ``objects_owner`` needs to build every other
        object (``odoo -i`` runs as it), including Odoo's pg_trgm."""
        with self._transaction(trusted=True) as cr:
            owner = sql.Identifier(objects_owner)
            cr.execute(sql.SQL("GRANT CREATE ON SCHEMA public TO {}").format(owner))
            cr.execute(sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(
                sql.Identifier(self.dbname), owner))
            cr.execute(sql.SQL("SET LOCAL ROLE {}").format(owner))
            cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cr.execute("RESET ROLE")
            self._ensure_settings_table(cr)
        self.write_settings({contract.SUSPENDED: True}, trusted=True)

    def finish_template(self, objects_owner):
        """After the build: the objects owner may create nothing more."""
        with self._transaction(trusted=True) as cr:
            owner = sql.Identifier(objects_owner)
            cr.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(owner))
            cr.execute(sql.SQL("REVOKE CREATE ON DATABASE {} FROM {}").format(
                sql.Identifier(self.dbname), owner))

    def hand_over(self, objects_owner, tenant_role):
        """Give every object of the template's owner in this fresh clone to
        the tenant's role (REASSIGN OWNED: the objects of this database, and
        the shared objects of ``objects_owner``, which owns none)."""
        with self._transaction(trusted=True) as cr:
            cr.execute(sql.SQL("REASSIGN OWNED BY {} TO {}").format(
                sql.Identifier(objects_owner), sql.Identifier(tenant_role)))
            # what the tenant could not own, it could not use: a template
            # built before it had an objects owner leaves tables of ours
            cr.execute("""SELECT count(*) FROM pg_catalog.pg_class c
                            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                           WHERE n.nspname = 'public'
                             AND c.relowner <> (SELECT oid FROM pg_catalog.pg_roles
                                                 WHERE rolname = %s)""", [tenant_role])
            foreign = cr.fetchone()[0]
        if foreign:
            raise TemplateOutdatedError(
                f"{self.dbname}: {foreign} objects of its template do not belong to "
                f"{objects_owner}: rebuild the template (built before per-tenant roles?)")

    # -- Odoo data ----------------------------------------------------------------

    def customise(self, company_name, company_email, admin_login, admin_password_hash,
                  base_url, uuid=None, settings=None):
        """Make a clone of a template the customer's own, in ONE transaction
        logged in as the tenant's role (which must be allowed to log in):
        new database.uuid and database.secret (a clone must not share the
        template's: the secret signs sessions and tokens), web.base.url
        (frozen), the main company and its partner, the admin user's login,
        password hash and email.

        ``admin_password_hash`` must be a hash from hash_password() (never a
        plain password: the master does not keep those), or None: no
        password at all, nobody can log in as the admin until
        set_admin_password().  ``settings`` (as for write_settings) are
        written next, by the master in its own session (the tenant's role
        may not write them).  Returns the new database.uuid.
        """
        if not company_name or not admin_login:
            raise ValueError("company_name and admin_login are required")
        if admin_password_hash is not None and not is_odoo_hash(admin_password_hash):
            raise ValueError("admin_password_hash is not a pbkdf2_sha512 hash "
                             "(use hash_password())")
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"invalid base_url: {base_url!r}")
        contract.encode_all(settings or {})  # refused before anything is written
        now = _utcnow()
        # a new identity (the one neutralisation's), its date, its URL frozen
        params = dict(neutralise.identity(base_url, uuid),
                      **{"database.create_date": now.strftime("%Y-%m-%d %H:%M:%S"),
                         "web.base.url.freeze": "True"})
        db_uuid = params["database.uuid"]
        try:
            with self._transaction(as_tenant=True) as cr:
                admin_uid = self._xmlid(cr, "user_admin", "res.users", default=2)
                company_id = self._xmlid(cr, "main_company", "res.company", default=1)
                for key, value in params.items():
                    cr.execute(
                        """INSERT INTO ir_config_parameter
                               (key, value, create_uid, write_uid, create_date, write_date)
                           VALUES (%s, %s, 1, 1, %s, %s)
                           ON CONFLICT (key) DO UPDATE
                           SET value = EXCLUDED.value, write_uid = 1,
                               write_date = EXCLUDED.write_date""",
                        [key, value, now, now],
                    )
                has_normalized = self._has_column(cr, "res_partner", "email_normalized")
                # company (res_company.name is stored; Odoo keeps it equal to
                # its partner's name) and its partner
                cr.execute(
                    """UPDATE res_company SET name = %s, email = %s, write_uid = 1,
                                              write_date = %s
                       WHERE id = %s RETURNING partner_id""",
                    [company_name, company_email or None, now, company_id],
                )
                row = cr.fetchone()
                if row is None:
                    raise AdapterError(f"{self.dbname}: main company {company_id} not found")
                company_partner = row[0]
                self._update_partner(cr, company_partner, now, has_normalized,
                                     name=company_name, email=company_email or None)
                # stored computed names that include the company's name
                cr.execute("UPDATE res_partner SET commercial_company_name = %s "
                           "WHERE commercial_partner_id = %s AND is_company",
                           [company_name, company_partner])
                cr.execute("UPDATE res_partner SET complete_name = %s || ', ' || name "
                           "WHERE parent_id = %s AND NOT coalesce(is_company, false) "
                           "AND name IS NOT NULL AND name <> ''",
                           [company_name, company_partner])
                # administrator
                cr.execute(
                    """UPDATE res_users SET login = %s, password = %s, write_uid = 1,
                                            write_date = %s
                       WHERE id = %s RETURNING partner_id""",
                    [admin_login, admin_password_hash, now, admin_uid],
                )
                row = cr.fetchone()
                if row is None:
                    raise AdapterError(f"{self.dbname}: admin user {admin_uid} not found")
                self._update_partner(cr, row[0], now, has_normalized,
                                     email=company_email or None)
                self._signal_caches(cr)
        except TenantRefusedError as exc:
            raise TenantRefusedError(f"cannot customise: {exc}") from exc
        if settings:
            self.write_settings(settings)
        return db_uuid

    def neutralise_copy(self, base_url):
        """The one neutralisation of a copy (neutralise.py, COPY: a restored
        copy, a rehearsal clone), in one transaction logged in as the
        tenant's role: Odoo's own (no mail, no crons, webhooks off) and a new
        identity, whose URL is ``base_url``."""
        conn = self.connect_as_tenant()
        try:
            with conn, conn.cursor() as cr:
                neutralise.run(cr, neutralise.COPY, base_url=base_url)
        finally:
            conn.close()

    def set_admin_password(self, admin_password_hash, signal_caches=True):
        """Write the admin's password hash (from hash_password()), and make
        every Odoo process drop its caches (Odoo caches each session's token,
        which includes the hash), unless ``signal_caches`` is false: a tenant
        nobody has a session on yet."""
        if not is_odoo_hash(admin_password_hash):
            raise ValueError("admin_password_hash is not a pbkdf2_sha512 hash "
                             "(use hash_password())")
        with self._transaction(as_tenant=True) as cr:
            admin_uid = self._xmlid(cr, "user_admin", "res.users", default=2)
            cr.execute("UPDATE res_users SET password = %s, write_uid = 1, write_date = %s "
                       "WHERE id = %s", [admin_password_hash, _utcnow(), admin_uid])
            if not cr.rowcount:
                raise AdapterError(f"{self.dbname}: admin user {admin_uid} not found")
            if signal_caches:
                self._signal_caches(cr)

    def read_usage(self):
        """(internal users, {module: state}), read in one session as the
        tenant's role with ``row_security = off``: a row-level policy the
        tenant planted to hide rows makes the read fail (TenantRefusedError)
        instead of counting less.  Internal: active, not __system__ (id 1),
        and either not ``share`` or a member of base.group_user (a user put
        into the group by SQL keeps ``share`` set: the ORM never ran)."""
        with self._transaction(as_tenant=True) as cr:
            cr.execute("SET LOCAL row_security = off")
            cr.execute("""
                SELECT count(*) FROM res_users u
                 WHERE u.active AND u.id <> 1
                   AND (NOT u.share OR EXISTS (
                        SELECT 1 FROM res_groups_users_rel r
                          JOIN ir_model_data d ON d.res_id = r.gid AND d.model = 'res.groups'
                                              AND d.module = 'base' AND d.name = 'group_user'
                         WHERE r.uid = u.id))""")
            users = cr.fetchone()[0]
            cr.execute("SELECT name, state FROM ir_module_module")
            return users, dict(cr.fetchall())

    def installed_modules(self):
        """Names of the installed modules."""
        with self._transaction(as_tenant=True) as cr:
            cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed' ORDER BY name")
            return [name for (name,) in cr.fetchall()]

    def module_states(self, names):
        """{module name: state} for the given modules (missing ones absent)."""
        names = list(names)
        with self._transaction(as_tenant=True) as cr:
            cr.execute("SELECT name, state FROM ir_module_module WHERE name = ANY(%s)", [names])
            return dict(cr.fetchall())

    def config_parameter(self, key):
        with self._transaction(as_tenant=True) as cr:
            cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [key])
            row = cr.fetchone()
            return row[0] if row else None

    # -- helpers ------------------------------------------------------------------

    @staticmethod
    def _xmlid(cr, name, model, default):
        cr.execute("SELECT res_id FROM ir_model_data "
                   "WHERE module = 'base' AND name = %s AND model = %s", [name, model])
        row = cr.fetchone()
        return row[0] if row else default

    @staticmethod
    def _has_column(cr, table, column):
        cr.execute("SELECT 1 FROM information_schema.columns "
                   "WHERE table_schema = current_schema() AND table_name = %s "
                   "AND column_name = %s", [table, column])
        return cr.fetchone() is not None

    @staticmethod
    def _update_partner(cr, partner_id, now, has_normalized, **values):
        sets = ["write_uid = 1", "write_date = %(now)s"]
        args = {"now": now, "id": partner_id}
        if "name" in values:
            # complete_name is stored and equals name for a partner without
            # parent (the company's, the admin's)
            sets += ["name = %(name)s", "complete_name = %(name)s"]
            args["name"] = values["name"]
        if "email" in values:
            sets.append("email = %(email)s")
            args["email"] = values["email"]
            if has_normalized:  # added by mail; Odoo lower-cases the address
                sets.append("email_normalized = lower(%(email)s)")
        # the SET items are constants of this method, never input
        cr.execute(sql.SQL("UPDATE res_partner SET {} WHERE id = %(id)s").format(
            sql.SQL(", ").join(sql.SQL(item) for item in sets)), args)

    @staticmethod
    def _signal_caches(cr):
        """Tell Odoo processes that already hold this database's registry to
        drop their 'default' ormcache (ir.config_parameter values, user
        data), through Odoo's own signaling sequence; a fresh clone has no
        such process, so this costs nothing there."""
        cr.execute("SELECT relname FROM pg_class WHERE relkind = 'S' AND relname = ANY(%s)",
                   [["base_cache_signaling_default", "base_cache_signaling"]])
        for (seq,) in cr.fetchall():
            cr.execute("SELECT nextval(%s)", [seq])
