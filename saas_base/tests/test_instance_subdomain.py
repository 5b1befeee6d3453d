"""Subdomain rules, uniqueness and derived fields through the ORM."""
import re

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.saas_router.routing import tenant_db_prefix

from .common import SaasCase
from .test_subdomain import HOSTILE


@tagged("post_install", "-at_install")
class TestInstanceSubdomain(SaasCase):
    def test_hostile_inputs_refused_by_create(self):
        before = self.Instance.search_count([])
        for value, fragment in HOSTILE.items():
            if value in ("", "shop\x00"):
                continue  # not representable as a non-empty PostgreSQL varchar
            with self.subTest(value=value):
                with self.assertRaises(ValidationError) as ctx:
                    self._create_instance(value)
                self.assertIn(fragment, str(ctx.exception))
        self.assertEqual(self.Instance.search_count([]), before)

    def test_configured_reserved_names(self):
        with self.assertRaisesRegex(ValidationError, "reserved"):
            self._create_instance("billing")
        with self.assertRaisesRegex(ValidationError, "reserved"):
            self._create_instance("shop-admin")

    def test_subdomain_length_limit(self):
        # a DNS label's 63: the database name does not hold the subdomain
        limit = self.Instance._subdomain_max_length()
        self.assertEqual(limit, 63)
        instance = self._create_instance("a" * limit)
        self.assertLessEqual(len(instance.database_name), 63)
        with self.assertRaisesRegex(ValidationError, "too long"):
            self._create_instance("b" * (limit + 1))

    def test_generated_fields(self):
        instance = self._create_instance("my-shop")
        # opaque: the prefix (cleanup by prefix) and random hex, nothing of
        # the subdomain (every tenant can list the databases' names)
        self.assertRegex(instance.database_name,
                         rf"^{re.escape(tenant_db_prefix())}[0-9a-f]{{16}}$")
        self.assertNotIn("shop", instance.database_name)
        other = self._create_instance("my-shop-2")
        self.assertNotEqual(other.database_name, instance.database_name)
        self.assertEqual(instance.url, "https://my-shop.saas.example.com")
        self.assertEqual(instance.state, "draft")
        self.assertEqual(instance.template_id, self.template)
        name = instance.database_name
        instance.subdomain = "my-shop-renamed"  # a draft: its database name stays
        self.assertEqual(instance.database_name, name)

    def test_database_name_never_typed(self):
        instance = self._create_instance("typed-db", database_name="postgres")
        name = instance.database_name
        self.assertTrue(name.startswith(tenant_db_prefix()))
        instance.write({"database_name": "template1"})
        self.assertEqual(instance.database_name, name)

    def test_name_defaults_to_customer(self):
        instance = self.Instance.create(
            {"subdomain": "no-name", "partner_id": self.customer_a_contact.id}
        )
        self.assertEqual(instance.name, "Customer A")
        self.assertEqual(instance.admin_login, "alice@example.com")

    def test_duplicate_subdomain_refused(self):
        self._create_instance("dup-shop")
        before = self.Instance.search_count([])
        with self.assertRaisesRegex(ValidationError, "already taken"):
            self._create_instance("dup-shop", partner_id=self.customer_b.id)
        self.assertEqual(self.Instance.search_count([]), before)

    def test_duplicate_by_rename_refused(self):
        self._create_instance("first-shop")
        second = self._create_instance("second-shop")
        with self.assertRaisesRegex(ValidationError, "already taken"):
            second.write({"subdomain": "first-shop"})
        self.assertEqual(second.subdomain, "second-shop")

    def test_terminated_frees_subdomain(self):
        old = self._create_instance("reused")
        old._set_state("terminated")
        new = self._create_instance("reused", partner_id=self.customer_b.id)
        # a database of its own: a name is never derived, so never shared
        self.assertNotEqual(new.database_name, old.database_name)
        # ...but the old one cannot come back while the name is taken.
        self.assertEqual(old.state, "terminated")

    def test_subdomain_locked_after_draft(self):
        instance = self._create_instance("locked-shop")
        name = instance.database_name
        instance.write({"subdomain": "renamed-shop"})
        self.assertEqual(instance.database_name, name)
        # leave draft without running any provisioning hook
        instance._set_state("provisioning")
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            instance.write({"subdomain": "other-shop"})
        self.assertEqual(instance.subdomain, "renamed-shop")
        # writing the same value is harmless
        instance.write({"subdomain": "renamed-shop"})

    def test_invalid_rename_changes_nothing(self):
        instance = self._create_instance("good-shop")
        name = instance.database_name
        with self.assertRaisesRegex(ValidationError, "lowercase"):
            instance.write({"subdomain": "Good-Shop"})
        self.assertEqual(instance.subdomain, "good-shop")
        self.assertEqual(instance.database_name, name)

    def test_copy(self):
        instance = self._create_instance("orig-shop")
        copy = instance.copy()
        self.assertEqual(copy.subdomain, "orig-shop-copy")
        self.assertEqual(copy.state, "draft")
