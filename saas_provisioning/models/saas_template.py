import logging
import time

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.saas_router import credentials

from ..adapters.tenant_db import TenantDatabase
from ..tools import odoo_cli

_logger = logging.getLogger(__name__)

# Always in a template: it enforces the master's limits inside every tenant.
TENANT_ADDON = "saas_tenant"


class SaasTemplate(models.Model):
    _inherit = "saas.template"

    building_database_name = fields.Char(
        readonly=True, copy=False, groups="base.group_system",
        help="Database being built. It replaces the current one only once ready, "
        "so instances keep being cloned from the current one meanwhile.")
    build_job_uuid = fields.Char(readonly=True, copy=False)

    def _hook_build(self):
        for template in self:
            if not template.server_id:
                raise UserError(_("Choose the server on which template %(name)s is built.",
                                  name=template.name))
            name = template._next_database_name()
            job = template.with_delay(
                channel="root.saas_template",
                description=_("Build template %(name)s (%(db)s)", name=template.name, db=name),
                identity_key=f"saas_template_build_{template.id}_{name}",
            )._job_build(name)
            template.write({
                "build_count": template.build_count + 1,
                "state": "building",
                "build_job_uuid": job.uuid,
            })
            # after the caller's own write passed its access check: the name
            # is for system administrators only
            template.sudo().building_database_name = name
            template.message_post(body=_("Build queued: %(modules)s.",
                                         modules=", ".join(template._build_modules())))
        return True

    def _odoo_program(self):
        """The code the build runs (``odoo_cli._base_cmd``'s ``program``):
        None, the master's own; saas_release gives the template's release."""
        return None

    def _build_modules(self):
        modules = self._modules()
        return modules + ([TENANT_ADDON] if TENANT_ADDON not in modules else [])

    def _job_build(self, dbname):
        """Build ``dbname`` and switch the template to it.

        Idempotent: a rerun drops whatever a crashed run left under this name
        (nothing else ever uses a database that is still being built).
        """
        self.ensure_one()
        # a system job: the database names are for system administrators
        self = self.sudo()  # noqa: PLW0642
        if self.building_database_name != dbname:
            return _("Skipped: %s is no longer the build in progress.") % dbname
        server = self.server_id
        pg, files = server._pg_admin(), server._filestore()
        params = server._connection_params()
        t0 = time.monotonic()
        try:
            pg.drop(dbname)
            files.remove(dbname)
            # The database is ours; every object in it belongs to the objects
            # owner (a role that owns no database), which a clone hands over
            # to its tenant's role; the settings table stays ours.
            owner = credentials.template_owner_role()
            pg.ensure_role(owner)
            pg.create_database(dbname)
            template_db = TenantDatabase(params, dbname)
            template_db.prepare_template(owner)
            program = self._odoo_program()
            odoo_cli.install(params, dbname, self._build_modules(), template_owner=owner,
                             program=program)
            odoo_cli.neutralise(params, dbname, template_owner=owner, program=program)
            template_db.finish_template(owner)
            # Clones fail with "source database is being accessed by other
            # users" while anyone is connected: close it for good.
            pg.terminate_connections(dbname)
            pg.allow_connections(dbname, False)
            size = pg.size_bytes(dbname)
        except Exception as exc:
            self.write({"state": "failed", "building_database_name": False})
            self.message_post(body=_("Build of %(db)s failed: %(error)s", db=dbname, error=exc))
            _logger.exception("template build %s failed", dbname)
            return str(exc)
        old = self.database_name
        # the switch: one write; clones read database_name when they run
        self.write({
            "database_name": dbname,
            "building_database_name": False,
            "state": "ready",
            "last_build_date": fields.Datetime.now(),
            "size_mb": size / 2**20,
        })
        self.message_post(body=_("Template %(db)s ready in %(s).0f s (%(mb).1f MB).",
                                 db=dbname, s=time.monotonic() - t0, mb=size / 2**20))
        if old and old != dbname:
            # A clone that already read the old name fails on the drop and is
            # retried, then reads the new name.
            self.with_delay(channel="root.saas_template", eta=60)._job_drop_old(old)
        return _("Built %s") % dbname

    def _job_drop_old(self, dbname):
        self.ensure_one()
        self = self.sudo()  # noqa: PLW0642 (a system job, see _job_build)
        if dbname in (self.database_name, self.building_database_name):
            return _("Skipped: %s is in use.") % dbname
        self.server_id._pg_admin().drop(dbname)
        self.server_id._filestore().remove(dbname)
        return _("Dropped %s") % dbname
