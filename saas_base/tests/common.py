from unittest.mock import patch
from psycopg2 import sql

from odoo.tests import TransactionCase, new_test_user
from odoo.tools import config


PG_HOST = "127.0.0.1"
PG_PORT = 5433


def base_domain_patch(domain):
    """A patcher setting odoo.conf's ``[saas_router] base_domain`` (the one
    source of the base domain) for a test: ``cls.startClassPatcher(...)``."""
    router = dict(config.misc.get("saas_router", {}), base_domain=domain)
    return patch.dict(config.misc, {"saas_router": router})


class SaasCase(TransactionCase):
    """Records shared by the saas_base tests, built once per class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.Instance = cls.env["saas.instance"]
        # Demo servers would compete in the placement tests: put them aside.
        cls.env["saas.server"].search([]).action_archive()
        params = cls.env["ir.config_parameter"].sudo()
        cls.startClassPatcher(base_domain_patch("saas.example.com"))
        params.set_param("saas_base.url_scheme", "https")
        params.set_param("saas_base.reserved_subdomains", "billing, Shop-Admin")
        cls.server = cls.env["saas.server"].create(
            {
                "name": "Test PostgreSQL",
                "host": PG_HOST,
                "port": PG_PORT,
                "db_user": "saas",
                "db_password": "saas",
                "max_instances": 50,
            }
        )
        params.set_param("saas_base.default_server_id", str(cls.server.id))
        cls.template = cls.env["saas.template"].create(
            {"name": "Test template", "module_list": "base,web", "server_id": cls.server.id}
        )
        cls.plan = cls.env["saas.plan"].create(
            {
                "name": "Test plan",
                "template_id": cls.template.id,
                "max_users": 3,
                "max_storage_mb": 1024,
                "price": 29,
                "period": "monthly",
                "published": True,
            }
        )
        cls.plan_hidden = cls.env["saas.plan"].create(
            {"name": "Hidden plan", "template_id": cls.template.id, "published": False}
        )
        cls.customer_a = cls.env["res.partner"].create(
            {"name": "Customer A", "is_company": True, "email": "a@example.com"}
        )
        cls.customer_a_contact = cls.env["res.partner"].create(
            {"name": "Alice of A", "parent_id": cls.customer_a.id, "email": "alice@example.com"}
        )
        cls.customer_b = cls.env["res.partner"].create(
            {"name": "Customer B", "is_company": True, "email": "b@example.com"}
        )

    @classmethod
    def _create_instance(cls, subdomain, **vals):
        values = {
            "name": subdomain,
            "subdomain": subdomain,
            "partner_id": cls.customer_a.id,
            "plan_id": cls.plan.id,
        }
        values.update(vals)
        if values.get("state", "draft") != "draft":
            # only the state machine writes states: put it there directly
            return cls.env["saas.instance"]._create_state_machine([values])
        return cls.env["saas.instance"].create(values)

    @classmethod
    def _users(cls):
        cls.saas_user = new_test_user(
            cls.env, login="h1_saas_user", groups="base.group_user,saas_base.group_saas_user"
        )
        cls.saas_manager = new_test_user(
            cls.env, login="h1_saas_manager", groups="base.group_user,saas_base.group_saas_manager"
        )
        cls.internal_user = new_test_user(cls.env, login="h1_internal", groups="base.group_user")
        cls.portal_user = new_test_user(
            cls.env, login="h1_portal_a", groups="base.group_portal",
            partner_id=cls.customer_a_contact.id,
        )


def clear_instances(cr):
    """Delete every instance, in a test's transaction (rolled back after):
    the overview's figures count them all.  Rows of other tables that would
    forbid it (a foreign key without ON DELETE) go first."""
    cr.execute("""SELECT conrelid::regclass::text FROM pg_constraint
                   WHERE contype = 'f' AND confrelid = 'saas_instance'::regclass
                     AND confdeltype IN ('r', 'a')""")
    for (table,) in cr.fetchall():
        cr.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
    cr.execute("DELETE FROM saas_instance")


def overview_item(sections, key):
    """(section key, item) of the overview item ``key``."""
    for section in sections:
        for item in section["items"]:
            if item["key"] == key:
                return section["key"], item
    raise AssertionError(f"no overview item {key}")
