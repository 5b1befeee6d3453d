"""The settings door's rules (saas_base/tools/settings.py), without the ORM."""
from unittest.mock import patch

from odoo.tests import BaseCase, tagged

from ..tools import settings as door
from ..tools.settings import BOOL, CHAR, INT, INT_LIST, RECORD, SELECTION, Setting


class FakeParams:
    """ir.config_parameter as Odoo's set_param treats it: False/None delete."""

    def __init__(self, **rows):
        self.rows = dict(rows)

    def get_param(self, key, default=False):
        return self.rows.get(key, default)

    def set_param(self, key, value):
        if value is False or value is None:
            self.rows.pop(key, None)
        else:
            self.rows[key] = str(value)


@tagged("saas_settings")
class TestSettingsDoor(BaseCase):
    def test_absent_reads_the_default_stored_reads_as_written(self):
        flag = Setting("t.flag", BOOL, True)
        count = Setting("t.count", INT, 7, minimum=0, maximum=100)
        params = FakeParams()
        self.assertIs(door.parse(flag, params.get_param(flag.key)), True)
        self.assertEqual(door.parse(count, params.get_param(count.key)), 7)
        door.store(params, flag, False)
        door.store(params, count, 0)
        self.assertEqual(params.rows, {"t.flag": "False", "t.count": "0"},
                         "False and 0 are stored, not deleted")
        self.assertIs(door.parse(flag, params.get_param(flag.key)), False)
        self.assertEqual(door.parse(count, params.get_param(count.key)), 0)

    def test_booleans_one_parser(self):
        flag = Setting("t.flag2", BOOL, True)
        for raw, value in (("True", True), ("true", True), ("1", True), ("yes", True),
                           ("False", False), ("false", False), ("0", False), ("", False)):
            self.assertIs(door.parse(flag, raw), value, raw)
        self.assertIs(door.parse(flag, "maybe"), True, "unreadable: the default")

    def test_bounds_refused_on_store_and_ignored_when_written_by_hand(self):
        count = Setting("t.count2", INT, 7, minimum=0, maximum=100)
        params = FakeParams()
        self.assertEqual(door.error(count, -1), ("below", {"value": -1, "minimum": 0}))
        self.assertEqual(door.error(count, 101)[0], "above")
        self.assertIsNone(door.error(count, 100))
        with self.assertRaisesRegex(ValueError, "below the minimum"):
            door.store(params, count, -1)
        self.assertEqual(params.rows, {}, "nothing stored")
        self.assertEqual(door.parse(count, "-5"), 7, "out of bounds by hand: the default")
        self.assertEqual(door.parse(count, "many"), 7)

    def test_lists_selections_records_and_text(self):
        days = Setting("t.days", INT_LIST, (1, 7), minimum=0, maximum=30)
        self.assertEqual(door.parse(days, " 7,1, 7 "), (1, 7))
        self.assertEqual(door.to_text(days, ()), "none", "stored: get_param reads '' as absent")
        self.assertEqual(door.parse(days, "none"), (), "an emptied list is empty, not the default")
        self.assertEqual(door.to_text(days, "3, 2"), "2,3")
        self.assertEqual(door.error(days, (1, 31))[0], "above")
        with self.assertRaises(ValueError):
            door.coerce(days, "1, two")
        scheme = Setting("t.scheme", SELECTION, "http", choices=("http", "https"))
        self.assertEqual(door.error(scheme, "gopher")[0], "choice")
        record = Setting("t.record", RECORD)
        self.assertEqual((door.parse(record, None), door.parse(record, "42")), (0, 42))
        self.assertIsNone(door.to_text(record, 0))
        text = Setting("t.text", CHAR, "127.0.0.1:53")
        self.assertEqual(door.to_text(text, "  ns:53 "), "ns:53")
        self.assertIsNone(door.to_text(text, " "), "an emptied text reads its default")

    def test_declarations(self):
        # declarations made here are forgotten afterwards
        self.startPatcher(patch.dict(door._DECLARED))
        with self.assertRaisesRegex(ValueError, "is none of"):
            Setting("t.bad", "colour")
        with self.assertRaisesRegex(ValueError, "below the minimum"):
            Setting("t.bad", INT, -1, minimum=0)
        first = door.declare(Setting("t.once", INT, 1))
        self.assertEqual(door.declare(*first), first, "the same declaration again is fine")
        with self.assertRaisesRegex(ValueError, "declared twice"):
            door.declare(Setting("t.once", INT, 2))
        self.assertEqual(door.get(FakeParams(**{"t.once": "5"}), "t.once"), 5)
        with self.assertRaises(KeyError):
            door.get(FakeParams(), "t.never")

    def test_public_domain(self):
        self.assertEqual(door.public_domain("saas.example.com"), "saas.example.com")
        self.assertEqual(door.public_domain("localhost", 8069), "localhost:8069")
