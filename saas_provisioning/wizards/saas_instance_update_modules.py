import re

from odoo import _, fields, models
from odoo.exceptions import UserError

_MODULE = re.compile(r"^[a-z0-9_]+$")


class SaasInstanceUpdateModules(models.TransientModel):
    """Update modules on the selected instances: one job each, results in their logs."""

    _name = "saas.instance.update.modules"
    _description = "Update modules on SaaS instances"

    instance_ids = fields.Many2many(
        "saas.instance", default=lambda self: self.env.context.get("active_ids"))
    module_list = fields.Char(string="Modules", required=True, default="all",
                              help="Comma separated technical names, or 'all'.")

    def action_update(self):
        modules = [m.strip() for m in self.module_list.split(",") if m.strip()]
        bad = [m for m in modules if not _MODULE.match(m)]
        if bad or not modules:
            raise UserError(_("Invalid module names: %s") % ", ".join(bad or ["(none)"]))
        jobs = self.instance_ids._enqueue_update_modules(modules)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": _("%s update jobs queued.") % len(jobs), "type": "info",
                       "next": {"type": "ir.actions.act_window_close"}},
        }
