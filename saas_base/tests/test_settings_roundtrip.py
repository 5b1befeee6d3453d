"""Every declared setting round-trips through res.config.settings.

Generated from the declarations (``<addon>/settings.py``): a setting added
later is covered without a line here.  For each one: a value other than the
default (False and 0 where allowed) is saved with the settings screen's
``execute``, read back through the door, and shown again by a fresh screen;
a value out of bounds is refused with a clear error and changes nothing."""
import re

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from ..tools import settings as door
from ..tools.settings import BOOL, CHAR, FLOAT, INT, INT_LIST, RECORD, SELECTION


def other_value(setting, record=None):
    """A value of ``setting`` that is not its default, False or 0 first."""
    kind, default = setting.type, setting.default
    if kind == BOOL:
        return not default
    if kind in (INT, FLOAT):
        low = setting.minimum if setting.minimum is not None else 0
        for candidate in (0, low, low + 1, default + 1):
            if candidate != default and not door.error(setting, candidate):
                return candidate
    if kind == INT_LIST:
        return () if default else (setting.minimum or 0, 2)
    if kind == SELECTION:
        return next(c for c in setting.choices if c != default)
    if kind == CHAR:
        return f"round-trip {setting.key}"
    if kind == RECORD:
        return record.id
    raise AssertionError(f"no test value for {setting.key} ({kind})")


def out_of_bounds(setting):
    if setting.type not in (INT, FLOAT, INT_LIST):
        return None
    if setting.minimum is not None:
        bad = setting.minimum - 1
    elif setting.maximum is not None:
        bad = setting.maximum + 1
    else:
        return None
    return (bad,) if setting.type == INT_LIST else bad


@tagged("post_install", "-at_install", "saas_settings")
class TestSettingsRoundTrip(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Settings = cls.env["res.config.settings"]
        cls.fields_by_key = {s.key: name for name, s in cls.Settings._door_fields().items()}
        installed = set(cls.env["ir.module.module"].search(
            [("state", "=", "installed")]).mapped("name"))
        # the declarations of the addons installed in this database
        cls.declared = {key: s for key, s in door.all_declared().items()
                        if key.partition(".")[0] in installed}

    def _form_value(self, setting, value):
        """``value`` as the settings form holds it."""
        if setting.type == INT_LIST:
            return ",".join(str(v) for v in value) or False
        return value

    def _record(self, name):
        comodel = self.Settings._fields[name].comodel_name
        record = self.env[comodel].search([], limit=1)
        return record or self.env[comodel].create({"name": f"Round trip {comodel}"})

    def test_every_declared_setting_has_a_settings_field(self):
        self.assertTrue(self.declared)
        missing = set(self.declared) - set(self.fields_by_key)
        self.assertFalse(missing, "declared settings without a settings field")

    def test_every_declared_setting_round_trips(self):
        params = self.env["ir.config_parameter"].sudo()
        for key, setting in sorted(self.declared.items()):
            name = self.fields_by_key[key]
            with self.subTest(key=key):
                record = self._record(name) if setting.type == RECORD else None
                value = other_value(setting, record)
                self.assertNotEqual(value, setting.default)
                self.Settings.create({name: self._form_value(setting, value)}).execute()
                self.assertEqual(door.get(self.env, key), value, "read back through the door")
                self.assertEqual(door.parse(setting, params.get_param(key)), value)
                shown = self.Settings.create({})[name]
                if setting.type == RECORD:
                    shown = shown.id
                self.assertEqual(shown, self._form_value(setting, value), "shown again")
                # and back to the default: also stored as such
                default = setting.default
                if setting.type == RECORD:
                    default = self.env[self.Settings._fields[name].comodel_name]
                elif setting.type == INT_LIST:
                    default = self._form_value(setting, default)
                self.Settings.create({name: default}).execute()
                self.assertEqual(door.get(self.env, key), setting.default)

    def test_out_of_bounds_is_refused_and_changes_nothing(self):
        params = self.env["ir.config_parameter"].sudo()
        checked = 0
        for key, setting in sorted(self.declared.items()):
            bad = out_of_bounds(setting)
            if bad is None:
                continue
            name = self.fields_by_key[key]
            with self.subTest(key=key):
                before = {k: params.get_param(k) for k in self.declared}
                form = self.Settings.create({name: self._form_value(setting, bad)})
                label = self.Settings._fields[name].string
                number = bad[0] if setting.type == INT_LIST else bad
                with self.assertRaisesRegex(ValidationError, re.escape(f"{label}: {number} is")):
                    form.execute()
                self.assertEqual({k: params.get_param(k) for k in self.declared}, before)
                checked += 1
        self.assertTrue(checked, "some declared setting has bounds")
