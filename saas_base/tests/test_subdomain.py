"""The pure subdomain rules (saas_base/tools/subdomain.py), without the ORM."""

from odoo.tests import BaseCase, tagged

from ..tools.subdomain import (
    DEFAULT_RESERVED,
    InvalidSubdomain,
    check_subdomain,
    parse_reserved,
    subdomain_error,
)

# value -> a fragment the reason must contain (each rule has its own reason)
HOSTILE = {
    "Shop": "use lowercase",
    "SHOP": "use lowercase",
    "shоp": "non-ASCII",  # Cyrillic о (U+043E), looks like a Latin o
    "ѕhop": "non-ASCII",  # Cyrillic ѕ (U+0455)
    "ｓｈｏｐ": "non-ASCII",  # full-width letters
    "straße": "non-ASCII",
    "café": "non-ASCII",
    "shop\u200b": "non-ASCII",  # zero-width space
    "xn--shp-hdd": "Punycode",
    "xn--80ak6aa92e": "Punycode",
    "ab--cd": "third and fourth positions",
    "my.shop": "dot",
    "shop.": "dot",
    "my_shop": "underscore",
    "my shop": "space",
    " shop": "space",
    "shop\n": "space",
    "shop\t": "space",
    "a" * 64: "too long",
    "ab": "too short",
    "a": "too short",
    "-shop": "starts with a hyphen",
    "shop-": "ends with a hyphen",
    "---": "starts with a hyphen",
    "www": "reserved",
    "admin": "reserved",
    "mail": "reserved",
    "odoo": "reserved",
    "shop';drop table saas_instance;--": "character \"'\"",
    "<script>": "character '<'",
    "a&b": "character '&'",
    "sh%op": "character '%'",
    "shop\x00": "character",
    "shop/x": "character '/'",
    "": "required",
}


@tagged("post_install", "-at_install")
class TestSubdomainRules(BaseCase):
    def test_valid(self):
        for value in ("abc", "shop", "my-shop", "a1b", "123", "a-b", "shop-2024", "a" * 63):
            with self.subTest(value=value):
                self.assertEqual(check_subdomain(value), value)
                self.assertIsNone(subdomain_error(value))

    def test_hostile_inputs(self):
        for value, fragment in HOSTILE.items():
            with self.subTest(value=value):
                with self.assertRaises(InvalidSubdomain) as ctx:
                    check_subdomain(value)
                self.assertIn(fragment, ctx.exception.reason)
                self.assertEqual(str(ctx.exception), ctx.exception.reason)

    def test_not_normalised(self):
        """Refused, never silently rewritten (no strip, no lower())."""
        self.assertIn("lowercase", subdomain_error("MyShop"))
        self.assertIn("space", subdomain_error(" myshop "))

    def test_non_string(self):
        for value in (None, False, 123, b"shop", ["shop"]):
            with self.subTest(value=value):
                with self.assertRaises(InvalidSubdomain):
                    check_subdomain(value)

    def test_lookalike_names_the_character(self):
        reason = subdomain_error("shоp")
        self.assertIn("U+043E", reason)
        self.assertIn("CYRILLIC", reason)

    def test_reserved_defaults(self):
        """Each default reserved name is refused for being reserved (not for
        its form: an entry the syntax check refuses anyway would be dead),
        and only as a whole label: the same name with a suffix is free."""
        self.assertTrue(DEFAULT_RESERVED)
        for name in sorted(DEFAULT_RESERVED):
            with self.subTest(name=name):
                self.assertIn("reserved", subdomain_error(name))
                self.assertIsNone(subdomain_error(name + "-shop"))

    def test_reserved_extra(self):
        extra = parse_reserved("billing, Shop-Admin\nfoo  bar,,")
        self.assertEqual(extra, {"billing", "shop-admin", "foo", "bar"})
        self.assertIn("reserved", subdomain_error("billing", extra))
        self.assertIn("reserved", subdomain_error("shop-admin", extra))
        self.assertIsNone(subdomain_error("billing"))
        self.assertEqual(parse_reserved(False), set())

    def test_max_length_parameter(self):
        self.assertIsNone(subdomain_error("a" * 56, max_length=56))
        self.assertIn("at most 56", subdomain_error("a" * 57, max_length=56))
