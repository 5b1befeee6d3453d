"""Host name -> database routing for one Odoo server serving many tenants.

Odoo's ``dbfilter`` is one regular expression; it cannot say "the master
database on its own name, the tenant's database on each tenant's names".
This module wraps :func:`odoo.http.db_filter` and :func:`odoo.http.db_list`
and answers from the **host -> database map** that the control plane keeps in
the master database (table ``saas_route``, model ``saas.route``):

- a host in the map is served its tenant database only, and only when that
  database is routable (:func:`is_routable`: owned by a LOGIN role of its own
  name, so a clone nobody finished customising is never reachable); a host
  mapped to a redirect (an ended tenant) reaches no database and is sent to
  its URL (instead of the database selector);
- the master's own names (:func:`master_hosts`) fall back to Odoo's own
  filter (``dbfilter``/``db_name``), which selects the master database;
- any other host reaches no database;
- a host whose tenant is suspended, or whose database was found tampered
  with, reaches no database: the router answers it a page of its own
  (``notice``), 403, without opening the tenant's database.

The map is read with the master's credentials, process-wide, and cached: a
trigger bumps the one-row table ``saas_route_version`` on every change, and
the router compares that version once per request (one indexed read) before
the request is bound to a database.  A thread that serves a tenant (which may
connect only as that tenant's role, see ``connections``) uses the cache as
it is.  The map, not a naming rule, decides: a tenant keeps its database when
renamed, and a pre-made database can be handed to a new tenant.

:func:`new_tenant_db_name` is the one place that names new tenant databases:
an opaque name (the prefix and random hex), as the warm pool's clones have,
never the subdomain -- every tenant can read the names in ``pg_database``,
which would otherwise be the customer list.  Tenants made before keep their
``<prefix><subdomain>`` names; only the map links a host to a database.

Configuration (odoo.conf)::

    [saas_router]
    tenant_db_prefix = saas_t_
    template_db_prefix = saas_tpl_
    base_domain = localhost
    # the master's own names besides base_domain and loopback (comma separated)
    master_hosts = saas.example.com
    # what this process answers (production runs two groups of processes,
    # see docs/ARCHITECTURE.md "The master apart"): all (default), master,
    # tenants
    serve = all
    # the master database when db_name is empty (the tenant processes)
    master_db = saas_master
    # a credential of its own for reading the map (the tenant processes,
    # whose db_user may not connect to the master database); the password
    # may come from the environment variable SAAS_ROUTE_MAP_PASSWORD
    route_map_user = saas_route_map
    route_map_password = ...
"""
import logging
import os
import secrets
import threading

from odoo import http
from odoo.tools import config

_logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "saas_t_"
DEFAULT_TEMPLATE_PREFIX = "saas_tpl_"


def _option(name, default):
    return config.misc.get("saas_router", {}).get(name, default)


def tenant_db_prefix():
    return _option("tenant_db_prefix", DEFAULT_PREFIX)


def template_db_prefix():
    """Prefix of template databases; distinct from the tenants' so that a
    template is never routed to, nor taken for an orphan tenant."""
    return _option("template_db_prefix", DEFAULT_TEMPLATE_PREFIX)


def base_domain():
    """Hosts under this domain are tenant hosts only: an unknown
    ``<label>.<base_domain>`` gets no database rather than the master."""
    return _option("base_domain", "").lower().strip(".")


OPAQUE_NAME_BYTES = 8  # 16 hex digits after the prefix


def new_tenant_db_name():
    """A new tenant database's name: the tenant prefix (test and benchmark
    runs clean up by it) and random hex, which says nothing of the tenant.
    Lower case, no quoting needed in shell tools, never a pool clone's
    (``<prefix>_pool...``: hex has no underscore)."""
    return tenant_db_prefix() + secrets.token_hex(OPAQUE_NAME_BYTES)


def is_tenant_db(dbname):
    return bool(dbname) and dbname.startswith(tenant_db_prefix())


def bare_host(host):
    """``Acme.Example.com.:8069`` -> ``acme.example.com``: no port, lower case,
    no trailing dot (a fully qualified name is the same host)."""
    host = (host or "").strip().lower()
    if host.startswith("["):  # [::1]:8069
        return host.partition("]")[0] + "]"
    return host.partition(":")[0].rstrip(".")


def master_db():
    """The master database: ``[saas_router] master_db``, else the first name
    of ``db_name`` in odoo.conf."""
    return (_option("master_db", "") or config.get("db_name") or "").split(",")[0].strip()


# -- what this process serves ([saas_router] serve) ----------------------------

SERVE_MODES = ("all", "master", "tenants")
# the kinds of ``classify`` that the master answers; every other kind is a
# tenant's (its database, a redirect, a refusal)
MASTER_KINDS = ("master", "other")


def serve_mode():
    """``all`` (one process serves everything), ``master`` (the master's
    names, its job runner and crons) or ``tenants`` (tenant names and tenant
    crons).  An unknown value serves nothing (logged at start)."""
    return (_option("serve", "") or "all").strip().lower()


def serves_master():
    return serve_mode() in ("all", "master")


def serves_tenants():
    return serve_mode() in ("all", "tenants")


def serves_kind(kind):
    """Does this process answer a host that ``classify`` calls ``kind``?"""
    return serves_master() if kind in MASTER_KINDS else serves_tenants()


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def master_hosts():
    """The master's own names: ``master_hosts`` (odoo.conf), base_domain and
    its ``www.``, and loopback (the job runner and local tools use it)."""
    names = {bare_host(h) for h in _option("master_hosts", "").split(",") if h.strip()}
    domain = base_domain()
    if domain:
        names |= {domain, "www." + domain}
    return names | set(LOOPBACK_HOSTS)


# -- the host -> database map --------------------------------------------------

ROUTE_TABLE = "saas_route"
VERSION_TABLE = "saas_route_version"
ROUTE_MAP_PASSWORD_ENV = "SAAS_ROUTE_MAP_PASSWORD"


def route_map_user():
    """The role that may read the map and nothing else of the master
    (``[saas_router] route_map_user``; saas.route grants it at each registry
    load of the master), or ''."""
    return (_option("route_map_user", "") or "").strip()


def route_map_credentials():
    """(user, password) this process reads the map with, when it has both
    (the tenant processes); None: as its db_user (the master's processes)."""
    password = _option("route_map_password", "") or os.environ.get(ROUTE_MAP_PASSWORD_ENV, "")
    user = route_map_user()
    return (user, password) if user and password else None


def map_connection(master):
    """An Odoo connection (pooled) to ``master`` for reading the map."""
    from odoo import sql_db  # noqa: PLC0415

    connection = sql_db.db_connect(master)  # also makes the process's pool
    credentials = route_map_credentials()
    if credentials is None:
        return connection
    _db, info = sql_db.connection_info_for(master)
    user, password = credentials
    return sql_db.Connection(sql_db._Pool, master, dict(info, user=user, password=password))


def ensure_version_table(cr):
    """The version row and the trigger that bumps it on any change of the
    map (ORM or SQL).  Values come from a sequence: a rolled-back change
    never lets two different maps share a version."""
    cr.execute(f"""
        CREATE SEQUENCE IF NOT EXISTS {VERSION_TABLE}_seq;
        CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (
            id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
            version bigint NOT NULL);
        INSERT INTO {VERSION_TABLE} (id, version)
             VALUES (1, nextval('{VERSION_TABLE}_seq')) ON CONFLICT (id) DO NOTHING;
        CREATE OR REPLACE FUNCTION {VERSION_TABLE}_bump() RETURNS trigger
            LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE {VERSION_TABLE} SET version = nextval('{VERSION_TABLE}_seq') WHERE id = 1;
            RETURN NULL;
        END $$;
        DROP TRIGGER IF EXISTS {ROUTE_TABLE}_version ON {ROUTE_TABLE};
        CREATE TRIGGER {ROUTE_TABLE}_version
            AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {ROUTE_TABLE}
            FOR EACH STATEMENT EXECUTE FUNCTION {VERSION_TABLE}_bump();
    """)


# What a host of a tenant database is served (column ``state`` of the map):
# MAINTENANCE: the master works on the database (an update, a move) and the
# router answers "back shortly" (503) meanwhile.
SERVED, SUSPENDED, TAMPERED, MAINTENANCE = "active", "suspended", "tampered", "maintenance"
ROUTE_STATES = (SERVED, SUSPENDED, TAMPERED, MAINTENANCE)
REFUSED_STATES = (SUSPENDED, TAMPERED, MAINTENANCE)
# not a state of the map: a served host whose app_server is not this process
ELSEWHERE = "elsewhere"


def replace_routes(cr, instance_ref, routes):
    """Make ``routes`` (dicts: host, database_name, kind, redirect_url,
    state, account_url, db_host, db_port, app_server) the routes of instance
    ``instance_ref``: others of
    it are removed, a host held by anyone else is taken over (a reused
    subdomain, a domain proved by its new owner).  Idempotent."""
    hosts = [bare_host(r["host"]) for r in routes]
    cr.execute(f"DELETE FROM {ROUTE_TABLE} WHERE instance_ref = %s AND NOT host = ANY(%s)",
               [instance_ref, hosts])
    for host, r in zip(hosts, routes):
        state = r.get("state") or SERVED
        if state not in ROUTE_STATES:
            raise ValueError(f"route state {state!r} is not one of {ROUTE_STATES}")
        cr.execute(
            f"""INSERT INTO {ROUTE_TABLE}
                       (host, database_name, kind, redirect_url, instance_ref, state,
                        account_url, db_host, db_port, app_server, create_date, write_date)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                        now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
                ON CONFLICT (host) DO UPDATE
                   SET database_name = EXCLUDED.database_name, kind = EXCLUDED.kind,
                       redirect_url = EXCLUDED.redirect_url,
                       instance_ref = EXCLUDED.instance_ref, state = EXCLUDED.state,
                       account_url = EXCLUDED.account_url, write_date = EXCLUDED.write_date,
                       db_host = EXCLUDED.db_host, db_port = EXCLUDED.db_port,
                       app_server = EXCLUDED.app_server
                 WHERE ({ROUTE_TABLE}.database_name, {ROUTE_TABLE}.kind,
                        {ROUTE_TABLE}.redirect_url, {ROUTE_TABLE}.instance_ref,
                        {ROUTE_TABLE}.state, {ROUTE_TABLE}.account_url,
                        {ROUTE_TABLE}.db_host, {ROUTE_TABLE}.db_port, {ROUTE_TABLE}.app_server)
                       IS DISTINCT FROM (EXCLUDED.database_name, EXCLUDED.kind,
                                         EXCLUDED.redirect_url, EXCLUDED.instance_ref,
                                         EXCLUDED.state, EXCLUDED.account_url,
                                         EXCLUDED.db_host, EXCLUDED.db_port,
                                         EXCLUDED.app_server)""",
            [host, r.get("database_name") or None, r.get("kind") or "subdomain",
             r.get("redirect_url") or None, instance_ref, state,
             r.get("account_url") or None,
             # the PostgreSQL server of the database (empty: Odoo's own db_host)
             r.get("db_host") or None, r.get("db_port") or None,
             r.get("app_server") or None])


def publish_routes(master, instance_ref, routes):
    """``replace_routes`` in a transaction of its own on ``master``,
    committed at once: the router (other threads, other processes) sees the
    routes before the caller's transaction ends (provisioning verifies the
    tenant over HTTP within its job)."""
    from odoo import sql_db  # noqa: PLC0415

    with sql_db.db_connect(master).cursor() as cr:
        replace_routes(cr, instance_ref, routes)


def database_served(master, dbname):
    """Whether a host of the map serves ``dbname`` now (read afresh, as
    committed: the cache of this process may be older).  A tenant in
    MAINTENANCE counts as served: the master pauses it for its own work and
    its role keeps LOGIN (a login window ending meanwhile must not close
    it, or the tenant would come back from maintenance unable to log in)."""
    from odoo import sql_db  # noqa: PLC0415

    with sql_db.db_connect(master).cursor() as cr:
        cr.execute(f"""SELECT COALESCE(bool_or(COALESCE(state, %s) IN (%s, %s)), false)
                         FROM {ROUTE_TABLE}
                        WHERE database_name = %s AND redirect_url IS NULL""",
                   [SERVED, SERVED, MAINTENANCE, dbname])
        return cr.fetchone()[0]


def read_routes(cr):
    cr.execute(f"""SELECT host, database_name, kind, redirect_url,
                          COALESCE(state, %s), account_url, db_host, db_port, app_server
                     FROM {ROUTE_TABLE}""", [SERVED])
    return {host: Route(db, kind, url, state, account, db_host, db_port, app_server)
            for host, db, kind, url, state, account, db_host, db_port, app_server
            in cr.fetchall()}


class Route:
    __slots__ = ("database_name", "kind", "redirect_url", "state", "account_url",
                 "db_host", "db_port", "app_server")

    def __init__(self, database_name, kind, redirect_url, state=SERVED, account_url=None,
                 db_host=None, db_port=None, app_server=None):
        self.database_name = database_name
        self.kind = kind
        self.redirect_url = redirect_url
        self.state = state
        self.account_url = account_url
        self.db_host = db_host or None  # the database's server; None: Odoo's own db_host
        self.db_port = db_port or None
        # the application server (its Odoo processes' host:port, a release's)
        # that serves the host; empty: the default release's processes
        self.app_server = app_server or None

    def server(self):
        """psycopg2 keyword arguments that point a connection at the
        database's server ({}: Odoo's own db_host and db_port)."""
        server = {}
        if self.db_host:
            server["host"] = self.db_host
        if self.db_port:
            server["port"] = self.db_port
        return server

    def __repr__(self):
        return (f"Route({self.database_name!r}, {self.kind!r}, {self.redirect_url!r}, "
                f"{self.state!r})")


def database_servers(routes):
    """{tenant database: server (``Route.server``)} of the databases the map
    places on another server than Odoo's own."""
    return {route.database_name: route.server() for route in routes.values()
            if route.database_name and not route.redirect_url and route.server()}


def database_states(routes):
    """{tenant database: state} from the map: served when any of its hosts
    is served (all hosts of an instance share its state); ELSEWHERE when
    served by another application server (another release) than this
    process: its registry leaves this process, its crons run there."""
    states = {}
    here = app_server()
    for route in routes.values():
        if route.database_name and not route.redirect_url:
            if states.get(route.database_name) != SERVED:
                state = route.state
                if state == SERVED and (route.app_server or "") != here:
                    state = ELSEWHERE  # another release's processes serve it
                states[route.database_name] = state
    return states


class RouteMap:
    """The map as this process last read it, refreshed when its version
    moved; shared by every thread."""

    def __init__(self):
        self._lock = threading.Lock()
        self.master = None
        self.version = None
        self.routes = {}
        self.databases = {}  # tenant database -> state (database_states)
        self.servers = {}  # tenant database -> its server, when not Odoo's own
        self._table_seen = False

    def _serving_tenant(self):
        return is_tenant_db(getattr(threading.current_thread(), "dbname", None))

    def refresh(self, force=False):
        """Compare the version (one query on the master, as the master) and
        reload the map when it moved.  Skipped in a thread serving a tenant
        (it may only connect as the tenant's role: the cache it found at the
        start of its request is used) and done once per HTTP request."""
        thread = threading.current_thread()
        if self._serving_tenant():
            return
        request_mark = getattr(thread, "perf_t0", None)
        if not force and request_mark is not None and \
                getattr(thread, "saas_route_checked", None) == request_mark:
            return
        master = master_db()
        if not master:
            self._set(None, None, {})
            return
        try:
            with map_connection(master).cursor() as cr:
                if not self._table_seen or self.master != master:
                    cr.execute("SELECT to_regclass(%s) IS NOT NULL", [VERSION_TABLE])
                    if not cr.fetchone()[0]:  # saas_router not installed in the master
                        self._set(master, None, {})
                        return
                    self._table_seen = True
                cr.execute(f"SELECT version FROM {VERSION_TABLE} WHERE id = 1")
                row = cr.fetchone()
                version = row and row[0]
                if version != self.version or master != self.master:
                    self._set(master, version, read_routes(cr))
        except Exception:  # noqa: BLE001 (routing must not crash a request: keep the cache)
            _logger.exception("saas_router: cannot read the route map of %s", master)
            self._table_seen = False
            return
        if request_mark is not None:
            thread.saas_route_checked = request_mark

    def _set(self, master, version, routes):
        databases, servers = database_states(routes), database_servers(routes)
        with self._lock:
            before = self.databases
            self.master, self.version, self.routes = master, version, routes
            self.databases, self.servers = databases, servers
        # a database no longer served: its registry leaves this process now
        # (each process reads the version at its next request), so that
        # nothing of it runs here any more, crons included
        dropped = [db for db, state in before.items()
                   if state == SERVED and databases.get(db) != SERVED]
        for listener in list(map_listeners):
            listener(dropped)

    def database_state(self, dbname):
        """The state of tenant database ``dbname`` in the map (``SERVED``,
        ``SUSPENDED``, ``TAMPERED``, ``MAINTENANCE``), None when no host serves it."""
        self.refresh()
        return self.databases.get(dbname)

    def database_server(self, dbname):
        """The server of tenant database ``dbname`` as the map says, as
        psycopg2 keyword arguments ({}: Odoo's own db_host).  From the cache,
        never read here: it runs inside ``connection_info_for``, in threads
        serving tenants too (a request refreshed the map when it classified
        its host, before opening the database)."""
        return self.servers.get(dbname, {})

    def lookup(self, host):
        """The route of ``host`` (``www.`` falls back to the bare name)."""
        self.refresh()
        routes = self.routes
        host = bare_host(host)
        route = routes.get(host)
        if route is None and host.startswith("www."):
            route = routes.get(host[4:])
        return route


def served_elsewhere(dbname):
    """Whether another application server (another release's processes)
    serves tenant database ``dbname``: this process runs nothing of it."""
    return route_map.database_state(dbname) == ELSEWHERE


# Called with the databases no longer served after each change of the map
# (gate.py drops their registries and forgets what it found tampered).
map_listeners = []

route_map = RouteMap()


def app_server():
    """The application server this process is (``[saas_router] app_server``,
    host:port of a release's Odoo processes); empty for the default
    release's processes."""
    return _option("app_server", "").strip()


def classify(host, lookup=None):
    """('tenant', database) for a host of the map, ('redirect', url) for a
    name of an ended tenant, (SUSPENDED, TAMPERED or MAINTENANCE, route) for a
    host of a tenant that is not served, (ELSEWHERE, route) for a host whose
    release another application server serves, ('master', None) for the master's own names,
    ('none', None) for anything else.  Without base_domain nor master_hosts
    configured, unknown hosts are ('other', None) and reach the master."""
    route = (lookup or route_map.lookup)(host)
    if route is not None:
        if route.database_name and not route.redirect_url:
            if route.state != SERVED:
                return route.state, route
            if (route.app_server or "") != app_server():
                # another release's code: served by its own processes (nginx
                # sends the host there); never opened with this code
                return ELSEWHERE, route
            return "tenant", route.database_name
        return "redirect", route.redirect_url
    bare = bare_host(host)
    if bare in master_hosts():
        return "master", None
    if not base_domain() and not _option("master_hosts", ""):
        return "other", None
    return "none", None


# The databases the control plane opened: they accept connections and
# belong to a role of the same name that may log in (LOGIN is granted at the
# start of the customise step, which logs in as that role; the host reaches
# the database only once the route map names it, the last act of customise,
# so a clone nobody finished customising is never reachable).  Tenants cannot
# create databases or roles: none of this can be forged by them.
_ROUTABLE_DATABASES = """
    SELECT d.datname FROM pg_catalog.pg_database d
      JOIN pg_catalog.pg_roles r ON r.oid = d.datdba
     WHERE r.rolname = d.datname AND r.rolcanlogin AND d.datallowconn
       AND NOT d.datistemplate"""


def server_connection(server=None):
    """An Odoo connection (pooled) to the ``postgres`` database of
    ``server`` (psycopg2 keyword arguments, ``Route.server``; empty: Odoo's
    own db_host), logged in as Odoo's db_user: every server of the fleet
    has that role (README, "Several servers")."""
    from odoo import sql_db  # noqa: PLC0415 (odoo.sql_db patched by connections)

    connection = sql_db.db_connect("postgres")  # also makes the process's pool
    if not server:
        return connection
    _db, info = sql_db.connection_info_for("postgres")
    return sql_db.Connection(sql_db._Pool, "postgres", dict(info, **server))


def is_routable(dbname):
    """A tenant database is served only once the control plane opened it,
    on the server the map places it on."""
    try:
        with server_connection(route_map.database_server(dbname)).cursor() as cr:
            cr.execute(_ROUTABLE_DATABASES + " AND d.datname = %s", [dbname])
            return cr.fetchone() is not None
    except Exception:  # noqa: BLE001 (a routing check must not crash a request)
        _logger.exception("saas_router: cannot check database %s", dbname)
        return False


def routable_tenant_databases():
    """Every tenant database the router would serve, in name order: those of
    Odoo's own server the map places nowhere else, and on each other server
    of the map the databases it places there."""
    route_map.refresh()
    elsewhere = {}
    for dbname, server in route_map.servers.items():
        elsewhere.setdefault(tuple(sorted(server.items())), []).append(dbname)
    with server_connection().cursor() as cr:
        cr.execute(_ROUTABLE_DATABASES + " AND starts_with(d.datname, %s)",
                   [tenant_db_prefix()])
        names = {name for (name,) in cr.fetchall() if name not in route_map.servers}
    for server, dbnames in elsewhere.items():
        try:
            with server_connection(dict(server)).cursor() as cr:
                cr.execute(_ROUTABLE_DATABASES + " AND d.datname = ANY(%s)", [dbnames])
                names.update(name for (name,) in cr.fetchall())
        except Exception:  # noqa: BLE001 (one server down must not stop the others' crons)
            _logger.exception("saas_router: cannot list the databases of %s", dict(server))
    # a tenant in maintenance (an update, a move) runs nothing meanwhile
    return sorted(name for name in names if route_map.databases.get(name) != MAINTENANCE)


def route(dbs, host, fallback, routable=is_routable, lookup=None):
    """Return the databases of ``dbs`` that ``host`` may use."""
    from . import gate  # noqa: PLC0415

    kind, name = classify(host, lookup)
    if kind == "tenant":
        return [name] if name in dbs and not gate.tampered(name) and routable(name) else []
    if kind in ("master", "other"):
        # Never expose a tenant database through the fallback (e.g. a broad
        # dbfilter): tenants are reachable by their own names only.
        return [db for db in fallback(dbs, host) if not is_tenant_db(db)]
    return []


def _request_host(host):
    if host is None:
        host = http.request.httprequest.environ.get("HTTP_HOST", "") if http.request else ""
    return host


_odoo_db_filter = http.db_filter
_odoo_db_list = http.db_list


def db_filter(dbs, host=None):
    host = _request_host(host)
    if not serves_kind(classify(host)[0]):  # the other group's host
        return []
    return route(list(dbs), host, _odoo_db_filter)


def db_list(force=False, host=None):
    """Tenant databases are owned by their own roles, so Odoo's list
    (databases owned by its connection role) no longer holds them: a tenant
    host is answered from the catalog, other hosts from Odoo's list."""
    host = _request_host(host)
    kind, name = classify(host)
    if not serves_kind(kind):  # the other group's host
        return []
    if kind == "tenant":
        return db_filter([name], host)
    if kind in ("master", "other"):
        return _odoo_db_list(force, host)  # filtered by db_filter above
    return []  # filtered by db_filter above


_odoo_serve_nodb = http.Request._serve_nodb


def _serve_nodb(self):
    """A name of an ended tenant (a redirect row of the map) is sent to its
    URL instead of Odoo's database selector; a host of a suspended tenant,
    or of a database found tampered with (in the map, or by this process
    when it loaded its registry: ``modules.tampered``), gets the router's
    own page (403, JSON for JSON-RPC), and its database is never opened."""
    from . import gate, notice  # noqa: PLC0415

    environ = self.httprequest.environ
    kind, target = classify(environ.get("HTTP_HOST", ""))
    if kind == "redirect" and target:
        return self.redirect(target, 302, local=False)
    if kind in REFUSED_STATES or kind == ELSEWHERE:
        return notice.refusal(kind, environ, target.account_url)
    if kind == "tenant" and gate.tampered(target):
        return notice.refusal(TAMPERED, environ, None)
    return _odoo_serve_nodb(self)


def install():
    if http.db_filter is not db_filter:
        http.db_filter = db_filter
        http.db_list = db_list
        http.Request._serve_nodb = _serve_nodb
        if not base_domain():
            _logger.warning("saas_router: no base_domain configured; hosts that are "
                            "not in the route map reach the master")
        if serve_mode() not in SERVE_MODES:
            _logger.error("saas_router: [saas_router] serve = %r is none of %s: this "
                          "process serves no database", serve_mode(), ", ".join(SERVE_MODES))
        elif serve_mode() != "all":
            _logger.info("saas_router: this process serves the %s only", serve_mode())
        if serve_mode() == "tenants" and route_map_credentials() is None:
            _logger.warning("saas_router: serve = tenants without route_map_user and "
                            "route_map_password: the route map is read as db_user")
        _logger.info("saas_router: tenant routing by host name enabled (prefix %r)",
                     tenant_db_prefix())
