"""Host name -> database routing for one Odoo server serving many tenants.

Odoo's ``dbfilter`` is one regular expression; it cannot say "the master
database on the bare domain, ``<prefix><label>`` on ``<label>.<domain>``"
without also matching the master for every tenant host.  This module wraps
:func:`odoo.http.db_filter`: a host whose first label names an existing tenant
database is served that database only; any other host falls back to Odoo's
own filter (``dbfilter`` or ``db_name`` in the configuration), which selects
the master database.

The tenant database name is derived from the subdomain by
:func:`tenant_db_name`, the single place that knows the naming rule; the
control plane calls it too, so names are generated, never typed.

Configuration (odoo.conf)::

    [saas_router]
    tenant_db_prefix = saas_t_
    template_db_prefix = saas_tpl_
    base_domain = localhost
"""
import logging

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


def tenant_db_name(subdomain):
    """Database name of the tenant served at ``subdomain``.

    Subdomains are RFC 1123 labels (validated by saas_base); hyphens become
    underscores so that the name needs no quoting in shell tools.  Labels
    cannot hold underscores, so the mapping stays one-to-one.
    """
    return tenant_db_prefix() + subdomain.replace("-", "_")


def is_tenant_db(dbname):
    return bool(dbname) and dbname.startswith(tenant_db_prefix())


def bare_host(host):
    """``Acme.Example.com.:8069`` -> ``acme.example.com``: no port, lower case,
    no trailing dot (a fully qualified name is the same host)."""
    return (host or "").partition(":")[0].lower().rstrip(".")


def host_label(host):
    host = bare_host(host)
    if host.startswith("www."):
        host = host[4:]
    label, dot, _rest = host.partition(".")
    return label if dot else ""


def classify(host):
    """('tenant', database) for a tenant host, ('none', None) for a host
    under base_domain that no tenant can have, ('other', None) otherwise."""
    label = host_label(host)
    domain = base_domain()
    bare = bare_host(host)
    if bare.startswith("www."):
        bare = bare[4:]
    if domain:
        if bare.endswith("." + domain):
            # exactly <label>.<base_domain>: deeper names are nobody's
            if label and bare == f"{label}.{domain}":
                return "tenant", tenant_db_name(label)
            return "none", None
        return "other", None
    return ("tenant", tenant_db_name(label)) if label else ("other", None)


def is_routable(dbname):
    """A tenant database is served only once the control plane opened it:
    it exists, accepts connections, and belongs to a role of the same name
    that may log in (LOGIN is granted at the end of the customise step, so a
    clone nobody finished customising is never reachable).  Tenants cannot
    create databases or roles, so none of this can be forged by them."""
    from odoo import sql_db  # noqa: PLC0415 (odoo.sql_db patched by connections)

    try:
        with sql_db.db_connect("postgres").cursor() as cr:
            cr.execute(
                """SELECT 1 FROM pg_catalog.pg_database d
                     JOIN pg_catalog.pg_roles r ON r.oid = d.datdba
                    WHERE d.datname = %s AND r.rolname = d.datname
                      AND r.rolcanlogin AND d.datallowconn AND NOT d.datistemplate""",
                [dbname])
            return cr.fetchone() is not None
    except Exception:  # noqa: BLE001 (a routing check must not crash a request)
        _logger.exception("saas_router: cannot check database %s", dbname)
        return False


def route(dbs, host, fallback, routable=is_routable):
    """Return the databases of ``dbs`` that ``host`` may use."""
    kind, name = classify(host)
    if kind == "tenant":
        if name in dbs and routable(name):
            return [name]
        if base_domain():
            return []
    elif kind == "none":
        return []
    # Never expose a tenant database through the fallback (e.g. a broad
    # dbfilter): tenants are reachable by their own host only.
    return [db for db in fallback(dbs, host) if not is_tenant_db(db)]


def _request_host(host):
    if host is None:
        host = http.request.httprequest.environ.get("HTTP_HOST", "") if http.request else ""
    return host


_odoo_db_filter = http.db_filter
_odoo_db_list = http.db_list


def db_filter(dbs, host=None):
    return route(list(dbs), _request_host(host), _odoo_db_filter)


def db_list(force=False, host=None):
    """Tenant databases are owned by their own roles, so Odoo's list
    (databases owned by its connection role) no longer holds them: a tenant
    host is answered from the catalog, other hosts from Odoo's list."""
    host = _request_host(host)
    kind, name = classify(host)
    if kind == "tenant":
        return db_filter([name], host)
    if kind == "none":
        return []
    return _odoo_db_list(force, host)  # filtered by db_filter above


def install():
    if http.db_filter is not db_filter:
        http.db_filter = db_filter
        http.db_list = db_list
        if not base_domain():
            _logger.warning("saas_router: no base_domain configured; any host's first "
                            "label is taken for a tenant name")
        _logger.info("saas_router: tenant routing by host name enabled (prefix %r)",
                     tenant_db_prefix())
