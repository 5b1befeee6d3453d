"""The warm pool: clones of a template made ahead, taken by a signup.

A pooled clone is a tenant database in all but its customer: its own role
(NOLOGIN), owned objects, the template's files, and its registry loaded in
the process that made it.  It has no route, so nothing serves it.  A
provisioning request takes one (``_take``) and runs only the tenant-specific
steps (customise, verify); a job refills the pool behind it.

Names are ``<tenant prefix>_pool<hex>``: a subdomain cannot begin with a
hyphen, so no subdomain's database can ever be named so.
"""
import secrets
import time
from datetime import timedelta

from odoo import _, api, fields, models

from odoo.addons.queue_job.exception import RetryableJobError

from odoo.addons.saas_base.tools import settings
from odoo.addons.saas_router import credentials
from odoo.addons.saas_router.routing import tenant_db_prefix

from ..tools import registries

POOL_NAME_INFIX = "_pool"
# A clone still "being made" this long after it was started was left by a
# stopped job: dropped and made again.
MAKING_STALE_AFTER = timedelta(minutes=10)


def pool_database_name():
    return f"{tenant_db_prefix()}{POOL_NAME_INFIX}{secrets.token_hex(6)}"


class SaasPoolDatabase(models.Model):
    _name = "saas.pool.database"
    _description = "Warm Pool Clone"
    _order = "template_id, id"

    name = fields.Char(string="Database", required=True, readonly=True, index=True)
    template_id = fields.Many2one("saas.template", required=True, readonly=True,
                                  ondelete="cascade", index=True)
    server_id = fields.Many2one("saas.server", required=True, readonly=True,
                                ondelete="cascade")
    template_database = fields.Char(
        readonly=True, help="The template database this clone was made from: a clone "
        "of an earlier build is dropped, never given.")
    state = fields.Selection([("making", "Being made"), ("ready", "Ready")],
                             default="making", required=True, readonly=True)
    ready_date = fields.Datetime(readonly=True)
    seconds = fields.Float(string="Made In (s)", readonly=True, digits=(16, 2))

    _sql_constraints = [("name_uniq", "unique(name)", "A pooled database name is unique.")]

    @api.model
    def _take(self, template, server):
        """A ready clone of ``template``'s current build on ``server``, or
        None.  Its record is deleted in the caller's transaction: concurrent
        requests never get the same clone (SKIP LOCKED), and a request that
        rolls back leaves it in the pool."""
        self.flush_model()
        self.env.cr.execute("""
            SELECT id FROM saas_pool_database
             WHERE template_id = %s AND server_id = %s AND state = 'ready'
               AND template_database = %s
             ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED""",
                            [template.id, server.id, template._template_database()])
        row = self.env.cr.fetchone()
        if not row:
            return None
        pooled = self.browse(row[0])
        name = pooled.name
        pooled.unlink()
        return name

    def _make(self):
        """Clone, copy the files, load the registry: the record goes from
        making to ready.  The caller commits before (a stopped job leaves a
        visible record) and after."""
        self.ensure_one()
        started = time.monotonic()
        server = self.server_id
        server._clone_tenant_database(self.template_database, self.name)
        server._filestore().copy(self.template_database, self.name)
        # the registry needs a role that may log in, for the load only
        pg, role = server._pg_admin(), credentials.tenant_role_name(self.name)
        pg.set_login(role, True)
        try:
            registries.warm(self.name)
        finally:
            pg.set_login(role, False)
        self.write({"state": "ready", "ready_date": fields.Datetime.now(),
                    "seconds": time.monotonic() - started})

    def _drop(self):
        """Drop the clones (database, role, files, registry) and forget them."""
        for pooled in self:
            registries.forget_database(pooled.name)
            pooled.server_id._drop_tenant_database(pooled.name)
        self.unlink()

    def _stale_making(self):
        return self.filtered(lambda p: p.state == "making"
                             and p.create_date < fields.Datetime.now() - MAKING_STALE_AFTER)

    def action_drop(self):
        """Backend: empty (part of) the pool; the next refill makes new ones."""
        self._drop()
        return True


class SaasTemplate(models.Model):
    _inherit = "saas.template"

    pool_ids = fields.One2many("saas.pool.database", "template_id", string="Warm Pool",
                               groups="base.group_system")
    pool_ready_count = fields.Integer(string="Warm Clones", compute="_compute_pool_ready_count",
                                      groups="base.group_system")

    def _compute_pool_ready_count(self):
        for template in self:
            template.pool_ready_count = len(template.pool_ids.filtered(
                lambda p: p.state == "ready"))

    @api.model
    def _pool_size(self):
        return settings.get(self.env, "saas_provisioning.pool_size")

    def _pool_target(self):
        """How many warm clones this template keeps: the setting's size for a
        built template that a plan in use names, else none."""
        self.ensure_one()
        in_use = self.env["saas.plan"].sudo().search_count([("template_id", "=", self.id)])
        return self._pool_size() if self.state == "ready" and in_use else 0

    @api.model
    def _pool_schedule_fill(self, templates=None, delay=None):
        """Queue a refill for the templates whose pool is not as it should
        be (short, too long, or holding clones of an earlier build), in
        ``delay`` seconds."""
        templates = (templates or self.search([])).sudo()
        for template in templates:
            pool = template.pool_ids
            current = template._template_database()
            if len(pool) != template._pool_target() or any(
                    p.template_database != current for p in pool):
                template.with_delay(
                    channel="root.saas_clone", priority=50, eta=delay,
                    description=_("Refill the warm pool of %s", template.name),
                    identity_key=f"saas_pool_fill_{template.id}",
                )._job_pool_fill()
        return True

    def _job_pool_fill(self):
        """Bring the pool to its target: drop clones of an earlier build,
        left half-made, or beyond the size; make the missing ones, one
        commit each (the job function allows commits)."""
        self.ensure_one()
        self = self.sudo()  # noqa: PLW0642 -- a system job
        Pool = self.env["saas.pool.database"]
        current = self._template_database()
        pool = self.pool_ids
        outdated = pool.filtered(lambda p: p.template_database != current) | pool._stale_making()
        outdated._drop()
        self.env.cr.commit()
        target = self._pool_target()
        ready = self.pool_ids.filtered(lambda p: p.state == "ready")
        if len(ready) > target:
            ready[target:]._drop()
            self.env.cr.commit()
        made = 0
        while current and len(self.pool_ids) < target:
            pooled = Pool.create({"name": pool_database_name(), "template_id": self.id,
                                  "server_id": self.server_id.id,
                                  "template_database": current})
            self.env.cr.commit()
            try:
                pooled._make()
            except Exception as exc:
                # nothing half-made stays: drop it, retry the job later
                self.env.cr.rollback()
                pooled._drop()
                self.env.cr.commit()
                raise RetryableJobError(str(exc), seconds=10) from exc
            self.env.cr.commit()
            made += 1
            self.invalidate_recordset(["pool_ids"])
        return _("%(made)d made, %(dropped)d dropped", made=made, dropped=len(outdated))

    @api.model
    def _cron_pool_fill(self):
        return self._pool_schedule_fill()
