from odoo import fields, models

from .. import routing


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
         (routing.TAMPERED, "Tampered")], default=routing.SERVED, required=True, readonly=True,
        help="Served: the host reaches its database. Suspended, Tampered: the router answers "
             "a page of its own (403) and never opens the database.")
    account_url = fields.Char(
        readonly=True, help="Where the customer manages its account: the router's page links "
                            "there when the tenant is not served.")
    # no foreign key: routes are written in a transaction of their own, which
    # may run before the instance's own transaction commits
    instance_ref = fields.Integer(string="Instance ID", readonly=True, index=True)

    _sql_constraints = [
        ("host_unique", "unique(host)", "A host name routes to one place only."),
    ]

    def init(self):
        routing.ensure_version_table(self.env.cr)
