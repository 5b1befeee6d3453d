from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.saas_router.routing import tenant_db_prefix


class SaasOrphanDatabase(models.Model):
    """A database with the tenant prefix that no live instance owns.

    Left by a crash between "clone" and the instance record being written, or
    created by hand; reported by the reconciler, dropped only on request, by
    a system administrator (access rights and menu are base.group_system)."""

    _name = "saas.orphan.database"
    _description = "SaaS Orphan Database"
    _order = "server_id, name"

    name = fields.Char(string="Database", required=True, readonly=True)
    server_id = fields.Many2one("saas.server", required=True, readonly=True, ondelete="cascade")
    found_date = fields.Datetime(default=fields.Datetime.now, readonly=True)

    _sql_constraints = [
        ("name_server_uniq", "unique(server_id, name)", "This orphan is already reported."),
    ]

    def _check_droppable(self):
        """Raise a UserError unless every record of ``self`` is still a
        database that may be dropped.  The record was written earlier (by the
        reconciler, or by anyone with write access): the name is checked
        again, against the live configuration, right before the drop."""
        prefix = tenant_db_prefix()
        Template = self.env["saas.template"].sudo().with_context(active_test=False)
        Instance = self.env["saas.instance"].sudo().with_context(active_test=False)
        for orphan in self:
            name = orphan.name or ""
            if not prefix or not name.startswith(prefix) or name == prefix:
                raise UserError(_(
                    "Database %(db)s does not carry the tenant prefix %(prefix)s: "
                    "it is not a tenant database and will not be dropped.",
                    db=name, prefix=prefix))
            if name == self.env.cr.dbname:
                raise UserError(_("Database %(db)s is the master database: it will not "
                                  "be dropped.", db=name))
            template = Template.search(
                ["|", ("database_name", "=", name), ("building_database_name", "=", name)],
                limit=1)
            if template:
                raise UserError(_("Database %(db)s is a database of template %(template)s: "
                                  "it will not be dropped.", db=name, template=template.name))
            owner = Instance.search([("database_name", "=", name),
                                     ("state", "!=", "terminated")], limit=1)
            if owner:
                raise UserError(_("Database %(db)s belongs to instance %(inst)s; it is not "
                                  "an orphan.", db=name, inst=owner.display_name))
            pooled = self.env["saas.pool.database"].sudo().search([("name", "=", name)], limit=1)
            if pooled:
                raise UserError(_("Database %(db)s is a warm clone of template %(template)s; "
                                  "it is not an orphan.", db=name,
                                  template=pooled.template_id.name))

    def action_drop(self):
        if not self.env.is_system():
            # the ACL says so too; a drop is never done on weaker grounds
            raise AccessError(_("Only system administrators may drop databases."))
        self.check_access("unlink")
        # every record first: one refused name drops nothing at all
        self._check_droppable()
        for orphan in self:
            orphan.server_id._pg_admin().drop(orphan.name)
            orphan.server_id._filestore().remove(orphan.name)
            orphan.server_id.message_post(body=_("Orphan database %(db)s dropped.", db=orphan.name))
        self.unlink()
        return True
