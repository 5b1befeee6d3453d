"""Traps a hostile tenant administrator plants in its own database.

Every way PostgreSQL runs a table owner's code in the session of whoever
touches the table: CHECK constraints and column defaults calling a function,
row and statement triggers (BEFORE and AFTER), an expression index, a FORCE'd
row-level-security policy, and functions in ``public`` that shadow common
names (a better match for a varchar argument than pg_catalog's text one).

Each trap calls ``public.saas_trap()``.  In a session that logged in as the
database's owner (the tenant) it does nothing.  In any other session (the
master's, whatever role it SET) it takes the session's own identity back
with ``SET ROLE NONE`` and records itself by creating a role named
``<RECORD_PREFIX><database>``-something: proof that the tenant's code could
act as the master.  With ``raising=True`` the traps raise instead in every
session but the tenant's own Odoo's (a tenant that breaks the control
plane's operations on purpose; reading its users raises too, through the
policy).

Plain SQL text, used by the adapters' tests and the end-to-end trap suite
(which plants it through a server action, as a tenant's administrator can).
"""

RECORD_PREFIX = "trapped_"

TABLES = ("res_users", "res_partner", "ir_config_parameter", "ir_cron", "res_company",
          "ir_attachment", "trap_new_table")

FUNCTION = """
CREATE OR REPLACE FUNCTION public.saas_trap(what text DEFAULT 'trap') RETURNS boolean
LANGUAGE plpgsql AS $trap$
BEGIN
    -- the raising kind spares the tenant's own Odoo (its sessions are
    -- named odoo-<pid>): it breaks only the control plane's tools
    IF %(raising)s AND pg_catalog.current_setting('trap.planting', true)
                          IS DISTINCT FROM 'yes'
       AND pg_catalog.current_setting('application_name') NOT LIKE 'odoo-%%' THEN
        RAISE EXCEPTION 'trap %% refuses this statement', what;
    END IF;
    IF session_user <> (SELECT d.datdba::regrole::name FROM pg_catalog.pg_database d
                         WHERE d.datname = pg_catalog.current_database()) THEN
        SET ROLE NONE;
        EXECUTE pg_catalog.format('CREATE ROLE %%I NOLOGIN',
            pg_catalog.left('%(prefix)s' || pg_catalog.md5(pg_catalog.current_database()
                || what || pg_catalog.clock_timestamp()::text), 40));
    END IF;
    RETURN true;
END $trap$;

CREATE OR REPLACE FUNCTION public.saas_trap_trigger() RETURNS trigger
LANGUAGE plpgsql AS $trap$
BEGIN
    PERFORM public.saas_trap(TG_NAME);
    IF TG_LEVEL = 'ROW' AND TG_OP <> 'DELETE' THEN
        RETURN NEW;
    END IF;
    RETURN OLD;
END $trap$;

CREATE OR REPLACE FUNCTION public.saas_trap_int(x integer) RETURNS integer
LANGUAGE plpgsql IMMUTABLE AS $trap$
BEGIN
    PERFORM public.saas_trap('index');
    RETURN x;
END $trap$;

CREATE TABLE IF NOT EXISTS public.trap_new_table (
    id serial PRIMARY KEY, label varchar DEFAULT 'x');
INSERT INTO public.trap_new_table (label) VALUES ('planted');
"""

# shadows of common names, a better match for a varchar argument than
# pg_catalog's text ones
SHADOW = """
CREATE OR REPLACE FUNCTION public.{name}(character varying) RETURNS {returns}
LANGUAGE plpgsql AS $trap$
BEGIN
    PERFORM public.saas_trap('{name}');
    RETURN pg_catalog.{name}($1::text);
END $trap$;
"""
SHADOWED = (("lower", "text"), ("upper", "text"), ("length", "integer"))

PER_TABLE = """
ALTER TABLE public.{t} ADD COLUMN IF NOT EXISTS trap_col boolean
    DEFAULT public.saas_trap('default {t}');
ALTER TABLE public.{t} ADD CONSTRAINT trap_check_{t} CHECK (public.saas_trap('check {t}'))
    NOT VALID;
CREATE TRIGGER trap_br_{t} BEFORE INSERT OR UPDATE OR DELETE ON public.{t}
    FOR EACH ROW EXECUTE FUNCTION public.saas_trap_trigger();
CREATE TRIGGER trap_ar_{t} AFTER INSERT OR UPDATE OR DELETE ON public.{t}
    FOR EACH ROW EXECUTE FUNCTION public.saas_trap_trigger();
CREATE TRIGGER trap_bs_{t} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.{t}
    FOR EACH STATEMENT EXECUTE FUNCTION public.saas_trap_trigger();
CREATE TRIGGER trap_as_{t} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.{t}
    FOR EACH STATEMENT EXECUTE FUNCTION public.saas_trap_trigger();
"""

# An expression index and a FORCE'd policy on the tables every operation reads
POLICIES = """
CREATE INDEX IF NOT EXISTS trap_index ON public.trap_new_table (public.saas_trap_int(id));
CREATE INDEX IF NOT EXISTS trap_index_users ON public.res_users (public.saas_trap_int(id));
ALTER TABLE public.res_users ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.res_users FORCE ROW LEVEL SECURITY;
CREATE POLICY trap_policy ON public.res_users USING (public.saas_trap('policy'));
ALTER TABLE public.trap_new_table ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.trap_new_table FORCE ROW LEVEL SECURITY;
CREATE POLICY trap_policy ON public.trap_new_table USING (public.saas_trap('policy new'));
"""


def plant_sql(raising=False, tables=TABLES):
    """The SQL that plants every trap (run as the tenant, in its database)."""
    parts = ["SET trap.planting = 'yes';",
             FUNCTION % {"raising": "true" if raising else "false", "prefix": RECORD_PREFIX}]
    parts += [SHADOW.format(name=name, returns=returns) for name, returns in SHADOWED]
    parts += [PER_TABLE.format(t=table) for table in tables]
    parts.append(POLICIES)
    parts.append("RESET trap.planting;")
    return "\n".join(parts)


def recorded_roles(cursor):
    """The roles traps created (with any session: the catalogs are shared)."""
    cursor.execute("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname LIKE %s "
                   "ORDER BY rolname", [RECORD_PREFIX.replace("_", "\\_") + "%"])
    return [name for (name,) in cursor.fetchall()]
