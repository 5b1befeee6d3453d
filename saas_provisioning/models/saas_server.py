import time

from odoo import _, api, fields, models
from odoo.tools import SQL, config

from odoo.addons.saas_router import credentials
from odoo.addons.saas_router.routing import tenant_db_prefix

from ..adapters.errors import DatabaseExistsError, DatabaseNotOursError
from ..adapters.filestore import Filestore
from ..adapters.pg_admin import PgAdmin
from ..adapters.tenant_db import TenantDatabase
from ..adapters.tenant_login import TenantLogin


class SaasServer(models.Model):
    _inherit = "saas.server"

    orphan_ids = fields.One2many("saas.orphan.database", "server_id", string="Orphan Databases",
                                 groups="base.group_system")
    orphan_count = fields.Integer(compute="_compute_orphan_count", groups="base.group_system")

    def _compute_orphan_count(self):
        for server in self:
            server.orphan_count = len(server.orphan_ids)

    def _register_hook(self):
        super()._register_hook()
        # Odoo creates a database with CONNECT for PUBLIC and CREATE on its
        # public schema for PUBLIC: a tenant's role could then connect to the
        # master and plant functions that the master's own queries would
        # call.  Only the master's role (its owner) keeps them.
        cr = self.env.cr
        cr.execute("SELECT has_database_privilege('public', current_database(), 'CONNECT') "
                   "OR has_database_privilege('public', current_database(), 'TEMPORARY') "
                   "OR has_schema_privilege('public', 'public', 'CREATE')")
        if cr.fetchone()[0]:
            cr.execute(SQL("REVOKE ALL ON DATABASE %s FROM PUBLIC", SQL.identifier(cr.dbname)))
            cr.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")

    # -- the doors to this server: one small object per kind of outside system

    def _pg_admin(self):
        return PgAdmin(self._connection_params())

    def _tenant_db(self, dbname, role=None):
        """The door to tenant database ``dbname`` (or to a scratch database
        of the tenant whose role is ``role``: a restore, a drill): the
        master's session for its own settings, a session logged in as the
        tenant's role for everything else (TenantDatabase.login_params)."""
        role = role or credentials.tenant_role_name(dbname)
        return TenantDatabase(self._connection_params(), dbname,
                              tenant_credentials=(role, credentials.tenant_role_password(role)))

    def _tenant_login(self, dbname, is_served):
        """Whether the role of tenant database ``dbname`` may log in
        (TenantLogin); ``is_served``: the route map's answer, read afresh."""
        return TenantLogin(self._connection_params(), credentials.tenant_role_name(dbname),
                           is_served)

    def _ensure_tenant_role(self, dbname, login=False):
        """The role of tenant database ``dbname`` as the pipeline makes it
        (created or reset, with its derived password and its plan's
        connection limit), allowed to log in only if ``login``."""
        role = credentials.tenant_role_name(dbname)
        self._pg_admin().ensure_role(
            role, credentials.scram_verifier(credentials.tenant_role_password(role)),
            login=login, connection_limit=self._tenant_connection_limit(dbname))
        return role

    def _clone_tenant_database(self, template_db, dbname):
        """Clone ``template_db`` into ``dbname`` for a tenant: its own role
        (NOLOGIN until the tenant is customised), the database born owned by
        it, closed to everyone else, the template's objects handed to it.
        Idempotent; a database of that name that this did not make is
        refused, never adopted.  Returns (what was done, seconds spent on
        the role)."""
        self.ensure_one()
        pg = self._pg_admin()
        started = time.monotonic()
        role = self._ensure_tenant_role(dbname)
        role_seconds = time.monotonic() - started
        message = _("Cloned from %s", template_db)
        try:
            pg.create_from_template(dbname, template_db, owner=role)
        except DatabaseExistsError:
            message = _("Already cloned by an earlier try")
        owner = pg.database_owner(dbname)
        if owner != role:
            raise DatabaseNotOursError(_(
                "Database %(db)s exists but was not made by this instance's clone step "
                "(it belongs to %(owner)s, not to the role %(role)s): refusing to adopt it.",
                db=dbname, owner=owner, role=role))
        started = time.monotonic()
        pg.close_to_others(dbname)
        self._tenant_db(dbname).hand_over(credentials.template_owner_role(), role)
        return message, role_seconds + time.monotonic() - started

    def _drop_tenant_database(self, dbname):
        """Remove tenant database ``dbname`` for good: its role may no longer
        log in, the database (its sessions ended first), the role, the
        files.  Idempotent."""
        self.ensure_one()
        pg = self._pg_admin()
        role = credentials.tenant_role_name(dbname)
        if pg.role_exists(role):
            pg.set_login(role, False)
        pg.drop(dbname)  # terminates connections first
        pg.drop_role(role)
        self._filestore().remove(dbname)

    def _filestore(self):
        self.ensure_one()
        # Empty root: the tenants are served by this very Odoo, whose data
        # directory holds their filestores.
        return Filestore(self._filestore_root() or config.filestore(""))

    # -- orphans: databases with our tenant prefix that no live instance owns

    def _scan_orphans(self):
        """Record (and forget) orphan databases on each server.

        A database is an orphan when it carries the tenant prefix and no
        instance that is not terminated, nor the warm pool, names it.  They are only reported:
        dropping is a manager's decision (saas.orphan.database.action_drop).
        """
        Orphan = self.env["saas.orphan.database"]
        for server in self:
            names = set(server._pg_admin().list_databases(tenant_db_prefix()))
            owned = set(
                self.env["saas.instance"]
                .with_context(active_test=False)
                .search([("database_name", "in", list(names)), ("state", "!=", "terminated")])
                .mapped("database_name")
            )
            # the warm pool's clones belong to their template
            owned |= set(self.env["saas.pool.database"].sudo().search(
                [("name", "in", list(names))]).mapped("name"))
            orphans = names - owned
            known = Orphan.search([("server_id", "=", server.id)])
            (known.filtered(lambda o: o.name not in orphans)).unlink()
            for name in orphans - set(known.mapped("name")):
                Orphan.create({"server_id": server.id, "name": name})
        return True

    def action_scan_orphans(self):
        self._scan_orphans()
        return self.action_view_orphans()

    def action_view_orphans(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Orphan Databases"),
            "res_model": "saas.orphan.database",
            "view_mode": "list",
            "domain": [("server_id", "in", self.ids)],
        }

    @api.model
    def _cron_scan_orphans(self):
        self.search([("state", "!=", "down")])._scan_orphans()
