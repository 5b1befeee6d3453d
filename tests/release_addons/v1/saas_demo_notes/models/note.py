from odoo import api, fields, models


class SaasDemoNote(models.Model):
    _name = "saas.demo.note"
    _description = "Demo note"

    name = fields.Char(required=True)
    body = fields.Text()
    touched = fields.Integer(help="How many times the cron ran over it.")

    @api.model
    def _cron_touch(self):
        for note in self.search([]):
            note.touched += 1
