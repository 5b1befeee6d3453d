"""Moving a tenant to another PostgreSQL server (operation "move"), one
queue job:

1. the target's leftovers of an earlier try are dropped;
2. behind the router's maintenance page (``_maintenance``): the tenant's
   sessions on the source are ended, its role and an empty database owned
   by it are made on the target by the target's admin role, the database is
   copied as the role (``tools.tenant_move``: pg_dump | pg_restore
   --no-owner), the master's settings copied as the master, the filestore
   copied when the servers' roots differ, and both copies compared
   (row counts of every table, checksums of a few) as the role;
3. the switch: ``server_id`` and the route map (its ``db_host``/``db_port``)
   in a transaction of their own, committed; the page goes off and the
   tenant is served from the target;
4. the old copy (database, role, files) is dropped.

A failure before the switch leaves the tenant where it was, served; the
target's copy is dropped.  A worker killed half-way leaves the page on and
``move_server_id`` set: the retried job (queue_job requeues it) finishes a
switched move, or drops the target's leftovers and ends the page of one
that was not (the tenant stays served from its source), and a manager may
end the page by hand (``action_end_maintenance``).
"""
import time

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.modules.registry import Registry

from ..tools import tenant_move



class SaasInstanceLog(models.Model):
    _inherit = "saas.instance.log"

    operation = fields.Selection(selection_add=[("move", "Move")], ondelete={"move": "cascade"})


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    move_server_id = fields.Many2one(
        "saas.server", string="Moving to", readonly=True, copy=False,
        help="Set while the tenant's database is being moved to this server.")

    def _state_machine_fields(self):
        return super()._state_machine_fields() | {"move_server_id"}

    def write(self, vals):
        # the route map follows server_id: once the database exists, only
        # the move (the state machine) changes it
        if vals.get("server_id") and not self._in_state_machine():
            moved = self.filtered(lambda i: i.server_id and i.database_name
                                  and i.state != "draft" and i.server_id.id != vals["server_id"])
            if moved:
                raise UserError(_("The server of %s holds its database: use \"Move to another "
                                  "server\" instead.", moved[0].display_name))
        return super().write(vals)

    def _route_rows(self):
        """The map's rows say on which server the database is."""
        rows = super()._route_rows()
        server = self.server_id._route_server() if self.server_id else {}
        return [dict(row, **server) if row.get("database_name") else row for row in rows]

    # -- request ---------------------------------------------------------------

    def _check_move(self, target):
        self.ensure_one()
        if not self.env.user.has_group("saas_base.group_saas_manager"):
            raise UserError(_("Only a SaaS manager may move an instance."))
        if self.state != "active":
            raise UserError(_("Only an active instance can be moved (%s is %s).",
                              self.display_name, self.state))
        if not target or target == self.server_id:
            raise UserError(_("Choose another server than the instance's own."))
        if target.state == "down":
            raise UserError(_("Server %s is down.", target.name))
        full = target._capacity_full()
        if full:
            raise UserError(_("Server %(server)s is full (%(limits)s).", server=target.name,
                              limits=target._capacity_summary()))
        if self.move_server_id or self.maintenance_reason:
            raise UserError(_("%s is already being moved or updated.", self.display_name))

    def _move_to(self, target):
        """Queue the move of this instance's database to ``target``."""
        self._check_move(target)
        job = self.with_delay(
            max_retries=5, description=_("Move %(db)s to %(server)s", db=self.database_name,
                                         server=target.name),
            identity_key=f"saas_move_{self.id}")._job_move(target, self.server_id)
        self.message_post(body=_("Move to %s queued.", target.name))
        return job

    # -- the job -------------------------------------------------------------------

    def _job_move(self, target, source):
        self.ensure_one()
        started = time.monotonic()
        if self.move_server_id:  # an earlier try of this job was killed
            return self._move_recover(target, source)
        if self.server_id != source or self.state != "active":
            return _("Skipped: the instance is %(state)s on %(server)s",
                     state=self.state, server=self.server_id.name)
        if self.maintenance_reason:  # another operation's (an update)
            return _("Skipped: in maintenance (%s)", self.maintenance_reason)
        if source._pg_admin().system_identifier() == target._pg_admin().system_identifier():
            raise UserError(_("%(a)s and %(b)s are the same PostgreSQL cluster.",
                              a=source.name, b=target.name))
        self._move_drop_copy(target, source)
        self._move_mark(target)
        try:
            with self._maintenance("move", _("moving to %s", target.name)):
                self._move_copy(source, target)
                self._move_switch(target)
        except Exception as exc:  # noqa: BLE001 (whatever failed, the tenant stays served where it is)
            self._log("move", "copy", "failed", started, str(exc))
            self._move_drop_copy(target, source)
            self._move_mark(False)
            self.message_post(body=_("Move to %(server)s failed; the tenant stays on "
                                     "%(origin)s: %(error)s", server=target.name,
                                     origin=source.name, error=exc))
            return _("Failed: %s", exc)
        return self._move_finish(source, target, started)

    def _move_recover(self, target, source):
        """The retried job after a kill: finish a switched move, or take
        back what a move that did not switch left on the target."""
        started = time.monotonic()
        if self.server_id == target:
            if self.maintenance_reason:
                self._set_maintenance("move", False)
            return self._move_finish(source, target, started)
        self._move_drop_copy(target, source)
        if self.maintenance_reason:
            self._set_maintenance("move", False)
        self._move_mark(False)
        self._log("move", "recover", "done", started,
                  _("An earlier try was interrupted: the copy on %(target)s is dropped, the "
                    "tenant is served from %(origin)s.", target=target.name, origin=source.name))
        self.message_post(body=_("Move to %s interrupted; the tenant stays where it was.",
                                 target.name))
        return _("Interrupted move taken back")

    def _move_mark(self, target):
        """``move_server_id``, committed at once (the retry must see it)."""
        with Registry(self.env.cr.dbname).cursor() as cr:
            self.with_env(self.env(cr=cr))._write_state_machine(
                {"move_server_id": target.id if target else False})
        self.invalidate_recordset(["move_server_id"])

    def _move_copy(self, source, target):
        dbname, role = self.database_name, self._role_name()
        started = time.monotonic()
        # nothing writes meanwhile: the router answers the page, crons skip
        # a tenant that is not served, and the sessions open now are ended
        source._pg_admin().terminate_connections(dbname)
        target._ensure_tenant_role(dbname, login=True)
        tenant_move.create_empty_database(target._connection_params(), dbname, role)
        source_login = source._tenant_db(dbname).login_params()
        target_login = target._tenant_db(dbname).login_params()
        with self.env["saas.watchdog.exemption"]._exempting(role, _("move")):
            seconds = tenant_move.copy_database(source_login, target_login, dbname)
            self._log("move", "copy", "done", started,
                      _("Copied as %(role)s in %(s).1f s", role=role, s=seconds))
            started = time.monotonic()
            target._tenant_db(dbname).write_settings(source._tenant_db(dbname).read_settings())
            src_files, dst_files = source._filestore().path(dbname), target._filestore().path(dbname)
            if src_files != dst_files:
                count = tenant_move.copy_files(src_files, dst_files)
                self._log("move", "filestore", "done", started, _("%s files copied", count))
            started = time.monotonic()
            problems = tenant_move.differences(tenant_move.fingerprint(source_login),
                                               tenant_move.fingerprint(target_login))
        if problems:
            raise tenant_move.MoveError(_("The copy differs from its source: %s",
                                          "; ".join(problems[:5])))
        self._log("move", "check", "done", started, _("Row counts and checksums match"))

    def _move_switch(self, target):
        """The instance's server and its routes, committed at once (the
        maintenance page stays on until the block ends)."""
        started = time.monotonic()
        with Registry(self.env.cr.dbname).cursor() as cr:
            instance = self.with_env(self.env(cr=cr)).sudo()
            instance._write_state_machine({"server_id": target.id})
            instance._publish_routes()
            instance._log("move", "switch", "done", started, _("Now on %s", target.name))
        self.invalidate_recordset(["server_id"])

    def _move_finish(self, source, target, started):
        self._move_drop_copy(source, target)
        self._move_mark(False)
        self._log("move", "drop", "done", started, _("Old copy dropped from %s", source.name))
        self.message_post(body=_("Moved from %(origin)s to %(target)s.", origin=source.name,
                                 target=target.name))
        return _("Moved to %s", target.name)

    def _move_drop_copy(self, server, served):
        """Drop this tenant's database and role from ``server`` (the copy
        that is not served), and its files when that server's filestore
        root is not the ``served`` one's.  (``served`` is passed: this
        job's snapshot still says the old server after the switch.)"""
        dbname, role = self.database_name, self._role_name()
        if server == served:
            raise UserError(_("Refusing to drop the served copy of %s.", dbname))
        pg = server._pg_admin()
        if pg.role_exists(role):
            pg.set_login(role, False)
        pg.drop(dbname)
        pg.drop_role(role)
        files = server._filestore()
        if files.path(dbname) != served._filestore().path(dbname):
            files.remove(dbname)
        return True

    # -- UI ------------------------------------------------------------------------

    def action_move_server(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Move to another server"),
            "res_model": "saas.instance.move",
            "view_mode": "form",
            "target": "new",
            "context": {"default_instance_id": self.id},
        }


class SaasInstanceMove(models.TransientModel):
    _name = "saas.instance.move"
    _description = "Move an instance to another server"

    instance_id = fields.Many2one("saas.instance", required=True, ondelete="cascade")
    server_id = fields.Many2one("saas.server", string="Target server", required=True,
                                domain="[('state', '!=', 'down')]")

    def action_move(self):
        self.ensure_one()
        self.instance_id._move_to(self.server_id)
        return {"type": "ir.actions.act_window_close"}
