from odoo import _, fields, models
from odoo.exceptions import UserError


class SaasOrphanDatabase(models.Model):
    """A database with the tenant prefix that no live instance owns.

    Left by a crash between "clone" and the instance record being written, or
    created by hand; reported by the reconciler, dropped only on request."""

    _name = "saas.orphan.database"
    _description = "SaaS Orphan Database"
    _order = "server_id, name"

    name = fields.Char(string="Database", required=True, readonly=True)
    server_id = fields.Many2one("saas.server", required=True, readonly=True, ondelete="cascade")
    found_date = fields.Datetime(default=fields.Datetime.now, readonly=True)

    _sql_constraints = [
        ("name_server_uniq", "unique(server_id, name)", "This orphan is already reported."),
    ]

    def action_drop(self):
        Instance = self.env["saas.instance"].with_context(active_test=False)
        for orphan in self:
            owner = Instance.search([("database_name", "=", orphan.name),
                                     ("state", "!=", "terminated")], limit=1)
            if owner:
                raise UserError(_("Database %(db)s belongs to instance %(inst)s; it is not an orphan.",
                                  db=orphan.name, inst=owner.display_name))
            orphan.server_id._pg_admin().drop(orphan.name)
            orphan.server_id._filestore().remove(orphan.name)
            orphan.server_id.message_post(body=_("Orphan database %(db)s dropped.", db=orphan.name))
        self.unlink()
        return True
