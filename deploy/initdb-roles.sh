#!/usr/bin/env bash
# PostgreSQL roles of the SaaS control plane, created once when the "db"
# service initialises an empty data directory (docker-compose.yml mounts this
# file into /docker-entrypoint-initdb.d/; the image runs it against a
# temporary server, as POSTGRES_USER, the cluster superuser "postgres").
#
# "odoo" is the master role, Odoo's db_user: it creates the template and
# tenant databases (CREATEDB), one role per tenant (CREATEROLE), and ends the
# sessions still on a database it drops (pg_signal_backend). It is never a
# superuser. The tenant roles and the template owner role are created later
# by the control plane itself. See "Security" in README.md.
#
# "odoo_tenants" is Odoo's db_user in the tenants' processes (service
# "odoo-tenants"): LOGIN and nothing else. It never gets CONNECT on the
# master database (the master revokes it from PUBLIC); it reaches tenant
# databases as each tenant's role. "saas_route_map" reads the route map for
# those processes: the master grants it CONNECT on its database and SELECT
# on the map's two tables (saas_router, at each start), nothing else.
#
# Runs only on an empty data directory: a volume initialised by an older
# docker-compose.yml (where "odoo" was the superuser) is not changed.
set -e

for name in SAAS_ODOO_DB_PASSWORD SAAS_TENANTS_DB_PASSWORD SAAS_ROUTE_MAP_PASSWORD; do
    if [ -z "${!name:-}" ]; then
        echo "initdb-roles.sh: $name is empty" >&2
        exit 1
    fi
done

# psql expands :'odoo_password' (quoted as a literal) in a script read from
# stdin, so the password needs no shell quoting.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v odoo_password="$SAAS_ODOO_DB_PASSWORD" \
     -v tenants_password="$SAAS_TENANTS_DB_PASSWORD" \
     -v route_map_password="$SAAS_ROUTE_MAP_PASSWORD" <<'EOSQL'
-- INHERIT: the master role uses the privileges of the roles it is a member
-- of (pg_signal_backend, each tenant role, the template owner role).
CREATE ROLE odoo LOGIN NOSUPERUSER CREATEDB CREATEROLE INHERIT
    NOREPLICATION NOBYPASSRLS PASSWORD :'odoo_password';
-- DROP DATABASE ... WITH (FORCE) must also end an autovacuum worker or a
-- tenant session that is on the database.
GRANT pg_signal_backend TO odoo;
-- Nobody but the superuser connects to template1 (tenant roles may connect
-- to their own database and to "postgres" only, which Odoo's bus uses).
REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC;
-- The tenants' processes and the route map's reader: LOGIN, nothing else.
CREATE ROLE odoo_tenants LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT
    NOREPLICATION NOBYPASSRLS PASSWORD :'tenants_password';
CREATE ROLE saas_route_map LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT
    NOREPLICATION NOBYPASSRLS PASSWORD :'route_map_password';
EOSQL
