from odoo import _, models
from odoo.exceptions import UserError

MODULE = "saas_tenant"


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    # Uninstalling this addon (Apps menu, RPC, or uninstalling one of its
    # dependencies) would silently lift every limit the master set.  Module
    # states only ever move to 'to remove' through write(), so guarding it
    # covers button_uninstall and a direct RPC write of the state.
    def write(self, vals):
        if vals.get("state") == "to remove" and MODULE in self.mapped("name"):
            raise UserError(
                _("The module %s is managed by your service provider and cannot be uninstalled.",
                  MODULE)
            )
        return super().write(vals)

    def module_uninstall(self):
        # Last line of defence (the state set to 'to remove' in SQL): keep it.
        return super(IrModuleModule, self.filtered(lambda m: m.name != MODULE)).module_uninstall()
