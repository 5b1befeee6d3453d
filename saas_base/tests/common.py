"""Test helpers of saas_base, and the one set of builders of the Odoo tests
(server, template, plan, instance, customer): the other addons' tests import
them from here (saas_provisioning.tests.common re-exports them beside its
real-template and pipeline helpers)."""
from unittest.mock import patch
from psycopg2 import sql

from odoo.tests import TransactionCase, new_test_user
from odoo.tools import config


def create_test_server(env, **vals):
    """A saas.server on the test run's PostgreSQL, with the credentials of
    its Odoo configuration (the one source of them in the tests), tenants
    served by this test server's HTTP port (routed by host)."""
    return env["saas.server"].create(dict({
        "name": "Test PostgreSQL",
        "host": config["db_host"] or "127.0.0.1",
        "port": int(config["db_port"] or 5432),
        "db_user": config["db_user"],
        "db_password": config["db_password"],
        "odoo_url": f"http://127.0.0.1:{config['http_port']}",
        "max_instances": 50,
    }, **vals))


def create_template(env, server=None, **vals):
    """A saas.template record (never built: saas_provisioning's
    ``ready_template`` gives a built one) on ``server`` when given."""
    values = {"name": "Test template", "module_list": "base,web"}
    if server:
        values["server_id"] = server.id
    return env["saas.template"].create(dict(values, **vals))


def create_plan(env, template=None, **vals):
    """A saas.plan on ``template`` when given; ``vals`` override."""
    values = {"name": "Test plan"}
    if template:
        values["template_id"] = template.id
    return env["saas.plan"].create(dict(values, **vals))


def create_instance(env, subdomain, partner, plan=None, **vals):
    """A saas.instance of ``partner`` (on ``plan`` when given), named after
    its subdomain unless ``name`` is given (``name=False``: the model's
    default name).  A state other than draft is put there directly through
    the state machine (the only writer of states)."""
    values = {"name": subdomain, "subdomain": subdomain, "partner_id": partner.id}
    if plan:
        values["plan_id"] = plan.id
    values.update(vals)
    if values.get("state", "draft") != "draft":
        return env["saas.instance"]._create_state_machine([values])
    return env["saas.instance"].create(values)


def create_customer(env, login, company, **user_vals):
    """A customer: a company partner and its portal user (password
    ``<login>-pass-123``).  Returns (user, partner)."""
    partner = env["res.partner"].create({
        "name": company, "email": f"{login}@customers.test", "is_company": True})
    user = new_test_user(env, **dict({
        "login": login, "password": login + "-pass-123", "groups": "base.group_portal",
        "partner_id": partner.id, "email": partner.email}, **user_vals))
    return user, partner


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
        cls.server = create_test_server(cls.env)
        params.set_param("saas_base.default_server_id", str(cls.server.id))
        cls.template = create_template(cls.env, cls.server)
        cls.plan = create_plan(
            cls.env, cls.template, max_users=3, max_storage_mb=1024, price=29,
            period="monthly", published=True)
        cls.plan_hidden = create_plan(cls.env, cls.template, name="Hidden plan", published=False)
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
        return create_instance(cls.env, subdomain, cls.customer_a, cls.plan, **vals)

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
