import logging

import psycopg2

from odoo import fields, models
from odoo.tools import SQL

from .. import routing

_logger = logging.getLogger(__name__)


class SaasRoute(models.Model):
    """The host -> database map that the router reads (``routing.route_map``).

    Written by the control plane over SQL (``routing.publish_routes``), in a
    transaction of its own so that the router sees a route as soon as the
    provisioning step that made it needs it; shown read-only here.
    """

    _name = "saas.route"
    _description = "SaaS Route (host -> tenant database)"
    _order = "host"
    _rec_name = "host"

    host = fields.Char(required=True, readonly=True, index=True,
                       help="Host name without port, lower case, no trailing dot.")
    database_name = fields.Char(readonly=True,
                                help="Tenant database served at this host (empty: redirect).")
    kind = fields.Selection([("subdomain", "Subdomain"), ("custom", "Custom domain")],
                            required=True, default="subdomain", readonly=True)
    redirect_url = fields.Char(
        readonly=True, help="Set for the names of an ended tenant: they redirect here.")
    state = fields.Selection(
        [(routing.SERVED, "Served"), (routing.SUSPENDED, "Suspended"),
         (routing.TAMPERED, "Tampered"), (routing.MAINTENANCE, "Maintenance")],
        default=routing.SERVED, required=True, readonly=True,
        help="Served: the host reaches its database. Suspended, Tampered: the router answers "
             "a page of its own (403) and never opens the database. Maintenance: the master "
             "works on the database (update, move); the router answers 503 meanwhile.")
    account_url = fields.Char(
        readonly=True, help="Where the customer manages its account: the router's page links "
                            "there when the tenant is not served.")
    # the PostgreSQL server of the database (saas.server's host and port as
    # the router reaches it); empty: Odoo's own db_host and db_port
    db_host = fields.Char(string="Database host", readonly=True, groups="base.group_system")
    db_port = fields.Integer(string="Database port", readonly=True, groups="base.group_system")
    app_server = fields.Char(
        readonly=True, help="host:port of the Odoo processes of the tenant's release that "
                            "serve this host (nginx sends it there); empty: the default "
                            "release's processes.")
    # no foreign key: routes are written in a transaction of their own, which
    # may run before the instance's own transaction commits
    instance_ref = fields.Integer(string="Instance ID", readonly=True, index=True)

    _sql_constraints = [
        ("host_unique", "unique(host)", "A host name routes to one place only."),
    ]

    def init(self):
        routing.ensure_version_table(self.env.cr)

    def _register_hook(self):
        super()._register_hook()
        self._grant_route_map_reader()

    def _grant_route_map_reader(self):
        """The tenant processes read the map as ``[saas_router]
        route_map_user``: CONNECT on this database (the master revokes it
        from PUBLIC, saas.server) and SELECT on the map's two tables, nothing
        else.  Granted at each registry load, only when missing."""
        user = routing.route_map_user()
        if not user:
            return
        cr = self.env.cr
        cr.execute("SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles "
                   "WHERE rolname = %s", [user])
        row = cr.fetchone()
        if row is None or row[0]:
            _logger.warning("saas_router: route_map_user %r %s: the map is not granted to it",
                            user, "does not exist" if row is None else "is too powerful")
            return
        tables = (routing.ROUTE_TABLE, routing.VERSION_TABLE)
        # CONNECT granted to the role itself (PUBLIC's is revoked by saas.server)
        cr.execute("""
            SELECT EXISTS (SELECT 1 FROM pg_database d, aclexplode(d.datacl) a
                            WHERE d.datname = current_database() AND a.privilege_type = 'CONNECT'
                              AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = %s))
               AND has_table_privilege(%s, %s, 'SELECT') AND has_table_privilege(%s, %s, 'SELECT')
        """, [user, user, tables[0], user, tables[1]])
        if cr.fetchone()[0]:
            return
        try:
            with cr.savepoint(flush=False):
                cr.execute(SQL("GRANT CONNECT ON DATABASE %s TO %s",
                               SQL.identifier(cr.dbname), SQL.identifier(user)))
                cr.execute(SQL("GRANT SELECT ON TABLE %s, %s TO %s", SQL.identifier(tables[0]),
                               SQL.identifier(tables[1]), SQL.identifier(user)))
        except psycopg2.Error as exc:  # another worker granting at the same time
            _logger.warning("saas_router: cannot grant the route map to %s yet: %s", user, exc)
            return
        _logger.info("saas_router: %s may read the route map of %s", user, cr.dbname)
