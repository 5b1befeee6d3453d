"""res.config.settings through the settings door (saas_base/tools/settings.py).

A settings field keeps Odoo's ``config_parameter=`` convention (the screen
and the keys are Odoo's), but a field whose key is declared with the door is
read and written here instead of by Odoo's generic code, which deletes the
row of an unticked Boolean or a 0 (and then reads the default back): the
value is checked against the declaration (out of bounds: a clear error,
nothing saved) and stored as text that reads back as written.
"""
from odoo import _, api, models
from odoo.exceptions import ValidationError

from ..tools import settings


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    @api.model
    def _door_fields(self):
        """{field name: Setting} for the fields whose key is declared."""
        declared = settings.all_declared()
        return {name: declared[field.config_parameter]
                for name, field in self._fields.items()
                if getattr(field, "config_parameter", None) in declared}

    def _get_classified_fields(self, fnames=None):
        classified = super()._get_classified_fields(fnames)
        declared = settings.all_declared()
        classified["config"] = [(name, key) for name, key in classified["config"]
                                if key not in declared]
        return classified

    @api.model
    def get_values(self):
        res = super().get_values()
        params = self.env["ir.config_parameter"].sudo()
        for name, setting in self._door_fields().items():
            value = settings.get(params, setting.key)
            field = self._fields[name]
            if field.type == "many2one":
                value = self.env[field.comodel_name].browse(value).exists().id if value else False
            elif setting.type == settings.INT_LIST:
                value = ",".join(str(v) for v in value) or False
            elif setting.type in (settings.CHAR, settings.SELECTION):
                value = value or False
            res[name] = value
        return res

    def _door_values(self):
        """{Setting: value} of this form, or a ValidationError naming every
        value refused (nothing is saved then)."""
        messages = {
            "below": _("%(setting)s: %(value)s is below the minimum, %(minimum)s."),
            "above": _("%(setting)s: %(value)s is above the maximum, %(maximum)s."),
            "choice": _("%(setting)s: %(value)s is not one of %(choices)s."),
        }
        values, errors = {}, []
        for name, setting in self._door_fields().items():
            field = self._fields[name]
            raw = self[name].id if field.type == "many2one" else self[name]
            try:
                value = settings.coerce(setting, raw)
            except ValueError:
                errors.append(_("%(setting)s: %(value)s is not valid.",
                                setting=field.string, value=raw))
                continue
            problem = settings.error(setting, value)
            if problem:
                errors.append(messages[problem[0]] % dict(problem[1], setting=field.string))
                continue
            values[setting] = value
        if errors:
            raise ValidationError("\n".join(errors))
        return values

    def set_values(self):
        values = self._door_values()  # before anything is written
        super().set_values()
        params = self.env["ir.config_parameter"].sudo()
        for setting, value in values.items():
            settings.store(params, setting, value)
