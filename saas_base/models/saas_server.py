import logging

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools import settings

_logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3  # seconds; a check must never hang the UI or the cron


class SaasServer(models.Model):
    _name = "saas.server"
    _description = "SaaS Database Server"
    _inherit = ["mail.thread"]
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    # Only system administrators may ever see or change where and how the
    # master connects (host, port, user, password, filestore folder): SaaS
    # managers operate instances but must neither obtain direct database
    # access nor point the master at another server or folder.  Code that
    # needs them reads them sudo (_connection_params(), _filestore_root()).
    host = fields.Char(
        required=True, default="127.0.0.1", tracking=True, groups="base.group_system"
    )
    port = fields.Integer(
        required=True, default=5432, tracking=True, groups="base.group_system"
    )
    db_user = fields.Char(
        string="Database User", required=True, tracking=True, groups="base.group_system"
    )
    db_password = fields.Char(
        string="Database Password", groups="base.group_system", copy=False
    )
    filestore_root = fields.Char(
        groups="base.group_system",
        help="Folder holding one sub-folder per database (Odoo's "
        "<data_dir>/filestore). Empty: the provisioning uses the local "
        "Odoo data directory.",
    )
    odoo_url = fields.Char(
        string="Odoo URL",
        default="http://127.0.0.1:8069",
        help="Internal URL of the Odoo server that serves this server's "
        "tenants; requests are sent there with the tenant's Host header.",
    )
    max_instances = fields.Integer(
        default=100, required=True, help="Capacity: live instances this server may hold."
    )
    instance_ids = fields.One2many("saas.instance", "server_id", string="Instances")
    instance_count = fields.Integer(compute="_compute_instance_count")
    capacity_free = fields.Integer(compute="_compute_instance_count")
    state = fields.Selection(
        [("unknown", "Unknown"), ("up", "Up"), ("down", "Down")],
        default="unknown",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    last_check = fields.Datetime(readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)

    _sql_constraints = [
        ("port_range", "CHECK(port > 0 AND port < 65536)", "The port must be between 1 and 65535."),
        ("max_instances_positive", "CHECK(max_instances > 0)", "The capacity must be positive."),
    ]

    @api.depends("instance_ids.state", "max_instances")
    def _compute_instance_count(self):
        # Terminated instances no longer hold a database: they do not count.
        groups = self.env["saas.instance"].sudo()._read_group(
            [("server_id", "in", self.ids), ("state", "!=", "terminated")],
            ["server_id"],
            ["__count"],
        )
        counts = {server.id: count for server, count in groups}
        for server in self:
            server.instance_count = counts.get(server.id, 0)
            server.capacity_free = max(server.max_instances - server.instance_count, 0)

    def _connection_params(self, dbname="postgres"):
        """Keyword arguments for ``psycopg2.connect`` to this server."""
        self.ensure_one()
        server = self.sudo()
        return {
            "host": server.host,
            "port": server.port,
            "user": server.db_user,
            "password": server.db_password or "",
            "dbname": dbname,
            "connect_timeout": CONNECT_TIMEOUT,
        }

    def _filestore_root(self):
        """The server's filestore folder (False: Odoo's local data
        directory), whoever asks."""
        self.ensure_one()
        return self.sudo().filestore_root

    def _redact(self, text):
        """``text`` without this server's host, port and user: errors are
        shown to SaaS managers, who may not see the connection fields."""
        self.ensure_one()
        server = self.sudo()
        if server.host:
            text = text.replace(server.host, "<host>")
        if server.port:
            text = text.replace(f"port {server.port}", "port <port>")
        if server.db_user:
            text = text.replace(f'"{server.db_user}"', '"<user>"')
        return text

    def _check_connection(self):
        """Connect to each server; record state, last_check and last_error."""
        for server in self:
            error = False
            try:
                conn = psycopg2.connect(**server._connection_params())
                try:
                    with conn.cursor() as cr:
                        cr.execute("SELECT 1")
                finally:
                    conn.close()
            except psycopg2.Error as exc:
                error = server._redact(str(exc).strip() or exc.__class__.__name__)
            server.write(
                {
                    "state": "down" if error else "up",
                    "last_check": fields.Datetime.now(),
                    "last_error": error,
                }
            )
            if error:
                _logger.info("SaaS server %s is down: %s", server.name, error)
        return True

    def action_check_connection(self):
        self._check_connection()
        if len(self) != 1:
            return True
        up = self.state == "up"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Connection succeeded") if up else _("Connection failed"),
                "message": _("%(server)s is reachable.", server=self.name)
                if up
                else self.last_error,
                "type": "success" if up else "danger",
                "sticky": not up,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _cron_check_connection(self):
        self.search([])._check_connection()

    @api.model
    def _pick_for_new_instance(self, template=None):
        """A server for a new instance: not known down, with room under
        every limit (``_capacity_full``: instances, database size,
        connections), and holding ``template`` when given (a clone is made
        on the template's server: ``saas.template._placement_servers``).

        The server chosen in the settings comes first; the others follow,
        least full first (``capacity_ratio``).  Returns an empty recordset
        when none fits.
        """
        servers = self.search([("state", "in", ("up", "unknown"))])
        if template:
            allowed = template._placement_servers()
            if allowed is not None:
                servers &= allowed
        default_id = settings.get(self.env, "saas_base.default_server_id")
        ordered = servers.sorted(
            lambda s: (s.id != default_id, s.capacity_ratio, -s.capacity_free, s.id))
        for server in ordered:
            if not server._capacity_full():
                return server
        return self.browse()

    def action_view_instances(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("saas_base.saas_instance_action")
        action["domain"] = [("server_id", "=", self.id)]
        action["context"] = {"default_server_id": self.id}
        return action

    def unlink(self):
        # Instances keep their server for history (ondelete restrict): a
        # server that ever held one is archived, not deleted.
        used = self.with_context(active_test=False).mapped("instance_ids")
        if used:
            raise UserError(
                _(
                    "Server %(server)s holds or held instances (%(instances)s); "
                    "archive it instead of deleting it.",
                    server=used[0].server_id.name,
                    instances=", ".join(used.mapped("subdomain")),
                )
            )
        return super().unlink()
