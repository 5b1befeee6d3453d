"""The server check measures what each server holds: the total size of its
tenant databases and the sessions on them, recorded through saas_base's
``_record_capacity`` (placement skips a full server).  Read from the
catalog as the server's admin role, without connecting to any tenant
database (``PgAdmin.tenant_capacity``)."""
import logging

import psycopg2

from odoo import models
from odoo.tools import config

from odoo.addons.saas_router.routing import tenant_db_prefix

from ..adapters.errors import AdapterError

_logger = logging.getLogger(__name__)


class SaasServer(models.Model):
    _inherit = "saas.server"

    def _check_connection(self):
        result = super()._check_connection()
        self.filtered(lambda s: s.state == "up")._measure_capacity()
        return result

    def _measure_capacity(self):
        for server in self:
            try:
                size, sessions = server._pg_admin().tenant_capacity(tenant_db_prefix())
            except (AdapterError, psycopg2.Error) as exc:
                _logger.warning("capacity: cannot measure %s: %s", server.name, exc)
                continue
            server._record_capacity(int(size / 2**20), sessions)
        return True

    def _route_server(self):
        """db_host and db_port of the route map's rows for a database on
        this server: its host and port, or nothing when they are Odoo's own
        db_host and db_port (the router then connects as it always did)."""
        self.ensure_one()
        server = self.sudo()
        own = ((config["db_host"] or "") or None, int(config["db_port"] or 5432))
        if (server.host or None, server.port) == own:
            return {}
        return {"db_host": server.host, "db_port": server.port}
