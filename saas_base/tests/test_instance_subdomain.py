"""Subdomain rules, uniqueness and derived fields through the ORM."""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.saas_router.routing import tenant_db_name, tenant_db_prefix

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

    def test_database_name_length_limit(self):
        # 63 is a valid DNS label but the database name would exceed
        # PostgreSQL's 63-byte identifiers: refused, not truncated.
        limit = self.Instance._subdomain_max_length()
        self.assertLessEqual(len(tenant_db_name("a" * limit)), 63)
        instance = self._create_instance("a" * limit)
        self.assertEqual(instance.database_name, tenant_db_name("a" * limit))
        with self.assertRaisesRegex(ValidationError, "too long"):
            self._create_instance("b" * (limit + 1))

    def test_generated_fields(self):
        instance = self._create_instance("my-shop")
        self.assertEqual(instance.database_name, tenant_db_name("my-shop"))
        self.assertEqual(instance.database_name, tenant_db_prefix() + "my_shop")
        self.assertEqual(instance.url, "https://my-shop.saas.example.com")
        self.assertEqual(instance.state, "draft")
        self.assertEqual(instance.template_id, self.template)

    def test_database_name_never_typed(self):
        instance = self._create_instance("typed-db", database_name="postgres")
        self.assertEqual(instance.database_name, tenant_db_prefix() + "typed_db")
        instance.write({"database_name": "template1"})
        self.assertEqual(instance.database_name, tenant_db_prefix() + "typed_db")

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
        self.assertEqual(new.database_name, old.database_name)
        # ...but the old one cannot come back while the name is taken.
        self.assertEqual(old.state, "terminated")

    def test_subdomain_locked_after_draft(self):
        instance = self._create_instance("locked-shop")
        instance.write({"subdomain": "renamed-shop"})
        self.assertEqual(instance.database_name, tenant_db_prefix() + "renamed_shop")
        # leave draft without running any provisioning hook
        instance._set_state("provisioning")
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            instance.write({"subdomain": "other-shop"})
        self.assertEqual(instance.subdomain, "renamed-shop")
        # writing the same value is harmless
        instance.write({"subdomain": "renamed-shop"})

    def test_invalid_rename_changes_nothing(self):
        instance = self._create_instance("good-shop")
        with self.assertRaisesRegex(ValidationError, "lowercase"):
            instance.write({"subdomain": "Good-Shop"})
        self.assertEqual(instance.subdomain, "good-shop")
        self.assertEqual(instance.database_name, tenant_db_prefix() + "good_shop")

    def test_copy(self):
        instance = self._create_instance("orig-shop")
        copy = instance.copy()
        self.assertEqual(copy.subdomain, "orig-shop-copy")
        self.assertEqual(copy.state, "draft")
