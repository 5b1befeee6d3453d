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


def host_label(host):
    host = (host or "").partition(":")[0].lower()
    if host.startswith("www."):
        host = host[4:]
    label, dot, _rest = host.partition(".")
    return label if dot else ""


def route(dbs, host, fallback):
    """Return the databases of ``dbs`` that ``host`` may use."""
    label = host_label(host)
    if label:
        name = tenant_db_name(label)
        if name in dbs:
            return [name]
        domain = base_domain()
        bare = (host or "").partition(":")[0].lower()
        if domain and bare.endswith("." + domain):
            return []
    # Never expose a tenant database through the fallback (e.g. a broad
    # dbfilter): tenants are reachable by their own host only.
    prefix = tenant_db_prefix()
    return [db for db in fallback(dbs, host) if not db.startswith(prefix)]


_odoo_db_filter = http.db_filter


def db_filter(dbs, host=None):
    if host is None:
        host = http.request.httprequest.environ.get("HTTP_HOST", "") if http.request else ""
    return route(list(dbs), host, _odoo_db_filter)


def install():
    if http.db_filter is not db_filter:
        http.db_filter = db_filter
        _logger.info("saas_router: tenant routing by host name enabled (prefix %r)",
                     tenant_db_prefix())
