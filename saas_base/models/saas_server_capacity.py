"""What a server holds against what it may hold: live instances (counted),
database size and connections (measured by saas_provisioning's server
check, written through ``_record_capacity``).  Placement skips a server
without room; the operator's overview and alerts read ``_capacity_usage``.
"""
from odoo import _, api, fields, models

# a server this full (of any of its limits) is reported to the operator
CAPACITY_ALERT_RATIO = 0.9


class SaasServer(models.Model):
    _inherit = "saas.server"

    max_database_mb = fields.Integer(
        string="Max. database size (MB)", default=0, tracking=True,
        help="Capacity: total size of the tenant databases this server may hold (0: no limit).")
    max_connections = fields.Integer(
        string="Max. connections", default=0, tracking=True,
        help="Capacity: connections to tenant databases this server may hold (0: no limit). "
             "Keep it under PostgreSQL's max_connections.")
    database_mb = fields.Integer(
        string="Database size (MB)", readonly=True, copy=False,
        help="Total size of the tenant databases, at the last capacity check.")
    connection_count = fields.Integer(
        string="Connections", readonly=True, copy=False,
        help="Connections to tenant databases, at the last capacity check.")
    capacity_checked = fields.Datetime(readonly=True, copy=False)
    capacity_ratio = fields.Float(
        compute="_compute_capacity_ratio",
        help="The fullest of the server's limits (1.0: full).")

    _sql_constraints = [
        ("capacity_limits_positive", "CHECK(max_database_mb >= 0 AND max_connections >= 0)",
         "Capacity limits are positive, or 0 for no limit."),
    ]

    def _capacity_usage(self):
        """{limit: (used, limit)} for this server; a limit of 0 is none."""
        self.ensure_one()
        return {
            "instances": (self.instance_count, self.max_instances),
            "database_mb": (self.database_mb, self.max_database_mb),
            "connections": (self.connection_count, self.max_connections),
        }

    @api.depends("instance_count", "max_instances", "database_mb", "max_database_mb",
                 "connection_count", "max_connections")
    def _compute_capacity_ratio(self):
        for server in self:
            ratios = [used / limit for used, limit in server._capacity_usage().values() if limit]
            server.capacity_ratio = max(ratios, default=0.0)

    def _capacity_full(self):
        """The names of the limits this server has reached ([] when it has room)."""
        self.ensure_one()
        return [name for name, (used, limit) in self._capacity_usage().items()
                if limit and used >= limit]

    def _record_capacity(self, database_mb, connection_count):
        """The server check's door for the measured figures."""
        self.ensure_one()
        self.sudo().write({"database_mb": database_mb, "connection_count": connection_count,
                           "capacity_checked": fields.Datetime.now()})

    def _capacity_summary(self):
        self.ensure_one()
        labels = {"instances": _("instances"), "database_mb": _("MB of databases"),
                  "connections": _("connections")}
        return ", ".join(_("%(used)s of %(limit)s %(what)s", used=used, limit=limit,
                           what=labels[name])
                         for name, (used, limit) in self._capacity_usage().items() if limit)
