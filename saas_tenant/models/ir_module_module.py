from odoo import _, models
from odoo.exceptions import UserError

# saas_router is loaded server-wide by every Odoo that serves tenants (it
# routes them); its loader gate is the wall, this check only says why early.
from odoo.addons.saas_router import modules as module_policy

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

    def _search(self, domain, offset=0, limit=None, order=None):
        if self.env.context.get("saas_offered_only"):
            domain = list(domain) + [
                "|", ("state", "!=", "uninstalled"), ("name", "in", self._offered_names())]
        return super()._search(domain, offset=offset, limit=limit, order=order)

    def _offered_names(self):
        """Names of the uninstalled modules this tenant may install."""
        allowed = module_policy.tenant_allowed(self.env.cr)
        dirs = module_policy.odoo_addons_dirs()
        self.env.cr.execute("SELECT name FROM ir_module_module WHERE state = 'uninstalled'")
        return [name for (name,) in self.env.cr.fetchall()
                if module_policy.is_allowed(name, allowed, dirs)]

    def button_install(self):
        res = super().button_install()
        # button_install marked the modules and their dependencies
        marked = self.search([("state", "=", "to install")])
        refused = module_policy.refused_modules(self.env.cr, marked.mapped("name"))
        if refused:
            raise UserError(_(
                "Your service provider does not offer these apps on this instance: %s.",
                ", ".join(sorted(refused))))
        return res

    def module_uninstall(self):
        # Last line of defence (the state set to 'to remove' in SQL): keep it.
        return super(IrModuleModule, self.filtered(lambda m: m.name != MODULE)).module_uninstall()
