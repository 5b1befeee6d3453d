"""18.0.1.1.0: the base domain has one source, odoo.conf's [saas_router]
base_domain.  The old system parameter saas_base.base_domain goes: the port
it carried becomes the setting saas_base.url_port, and a host other than
odoo.conf's is logged (the tenants' URLs now follow odoo.conf)."""
import logging

from odoo import SUPERUSER_ID, api

from odoo.addons.saas_router.routing import bare_host, base_domain

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    params = env["ir.config_parameter"].sudo()
    old = params.get_param("saas_base.base_domain")
    if not old:
        return
    host, port = old.strip(), ""
    head, sep, tail = host.rpartition(":")
    if sep and tail.isdigit() and not head.endswith(":"):  # host:port, [v6]:port
        host, port = head, tail
    if port and not params.get_param("saas_base.url_port"):
        params.set_param("saas_base.url_port", port)
    if bare_host(host) != base_domain():
        _logger.warning("saas_base migration: the base domain setting %r differs from "
                        "odoo.conf's [saas_router] base_domain %r, which the tenants' URLs "
                        "now follow", old, base_domain())
    params.search([("key", "=", "saas_base.base_domain")]).unlink()
