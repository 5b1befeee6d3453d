"""The request: seal the admin password, reserve the name (or take a warm
clone from the pool), start the pipeline."""
import time

from odoo import _, fields, models
from odoo.exceptions import UserError

from .. import pipeline
from ..adapters.tenant_db import is_odoo_hash
from ..tools import secret_box
from .saas_instance_password import SEALED_HASH_MARK


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def request_provisioning(self, admin_password=None, admin_password_hash=None):
        """Public entry point (backend, portal, API): seal the admin password
        and start provisioning.  Returns nothing slow: the work is queued.

        ``admin_password_hash``: the password already hashed as Odoo stores
        it (the portal sign-up just made the customer's master account with
        the same password): no second half-second hash."""
        self.ensure_one()
        self._check_action_access()
        if admin_password_hash:
            if not is_odoo_hash(admin_password_hash):
                raise UserError(_("The administrator's password hash is not one Odoo "
                                  "stores (pbkdf2-sha512)."))
            admin_password = SEALED_HASH_MARK + admin_password_hash
        if admin_password:
            self.sudo().admin_password_sealed = secret_box.seal(self._master_secret(), admin_password)
        return self.action_provision()

    def _hook_provision(self):
        for instance in self:
            template = instance.template_id or instance.plan_id.template_id
            # cloned on the instance's server: that server's build of it
            template = template and template._on_server(instance.server_id)
            if not template or not template._template_database():
                raise UserError(_("Instance %(name)s: its plan's template has not been built yet.",
                                  name=instance.display_name))
            vals = {
                "template_id": template.id,
                "provision_requested_at": fields.Datetime.now(),
                "provision_request_ts": time.time(),
                "provision_done_at": False,
                "provision_seconds": 0.0,
            }
            pooled = None
            if instance.state == "draft":
                vals["provision_step"] = pipeline.RESERVED
                # a warm clone, if the pool has one: clone and files are done
                pooled = self.env["saas.pool.database"].sudo()._take(
                    template, instance.server_id)
                if pooled:
                    vals.update(database_name=pooled, provision_step=pipeline.POOLED_STEP)
                else:
                    instance._check_database_name_free()
            # No password chosen: the admin gets none at all (nobody logs in
            # with a password; the customer comes in by SSO or "reset
            # password"), and no hash costs half a second of CPU.
            # Reserve: the state and the generated name are committed with
            # this transaction, before the first job (and any DDL) runs.
            instance._write_state_machine(vals)
            instance._set_state("provisioning")
            if pooled:
                instance._log("provision", "pool", "done", time.monotonic(),
                              _("Given the warm clone %s", pooled), duration_ms=0)
                # later: a clone and a registry load beside this tenant's
                # own steps would slow them down
                self.env["saas.template"]._pool_schedule_fill(
                    template, delay=pipeline.POOL_REFILL_DELAY)
            instance._enqueue_next_step()
            # Hashing the admin password (600k PBKDF2 rounds, ~0.5 s) starts
            # now and runs beside the clone, the customise step and the
            # registry load; the end of the pipeline writes it.
            instance._start_password_hash()
        return True
