from odoo import fields, models


class SaasTemplate(models.Model):
    _inherit = "saas.template"

    release_id = fields.Many2one(
        "saas.release", string="Release", tracking=True, ondelete="restrict",
        groups="saas_base.group_saas_user",
        default=lambda self: self.env["saas.release"]._default_release().id,
        help="The code the template is built with; instances cloned from it start on it.")

    def _odoo_program(self):
        return self.release_id._program() if self.release_id else super()._odoo_program()
