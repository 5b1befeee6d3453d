"""saas.template build hook and delete protection; saas.plan basics."""

from psycopg2.errors import CheckViolation

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.saas_router.routing import template_db_prefix

from .common import SaasCase, create_template


# at_install: these exercise saas_base's own hooks, before saas_provisioning
# (when installed) overrides them with the real work
@tagged("at_install")
class TestTemplatePlan(SaasCase):
    def test_build_hook(self):
        template = self.template
        self.assertEqual(template.state, "draft")
        messages = len(template.message_ids)
        template.action_build()
        self.assertEqual(template.state, "building")
        self.assertEqual(template.database_name, f"{template_db_prefix()}{template.id}_1")
        self.assertTrue(template.last_build_date)
        self.assertGreater(len(template.message_ids), messages)
        with self.assertRaisesRegex(UserError, "already being built"):
            template.action_build()
        template.state = "ready"
        template.action_build()
        self.assertEqual(template.database_name, f"{template_db_prefix()}{template.id}_2")

    def test_module_list(self):
        template = self.env["saas.template"].create(
            {"name": "Spaces", "module_list": " base , web,portal,web "}
        )
        self.assertEqual(template._modules(), ["base", "web", "portal"])
        before = self.env["saas.template"].search_count([])
        for bad in ("base;web", "base,Web", "base,../etc", ",", "base,web portal"):
            with self.subTest(module_list=bad), self.assertRaises(ValidationError):
                self.env["saas.template"].create({"name": "Bad", "module_list": bad})
        self.assertEqual(self.env["saas.template"].search_count([]), before)

    def test_unlink_in_use(self):
        instance = self._create_instance("tpl-user", state="active")
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            self.template.unlink()
        self.assertTrue(self.template.exists())
        instance.action_terminate()
        self.template.unlink()
        self.assertFalse(self.template.exists())
        self.assertFalse(self.plan.template_id)

    def test_unused_template_unlink(self):
        template = create_template(self.env, name="Unused", module_list="base")
        template.unlink()
        self.assertFalse(template.exists())

    def test_plan(self):
        self.assertEqual(self.plan.currency_id, self.env.company.currency_id)
        self._create_instance("plan-count", state="active")
        self._create_instance("plan-gone", state="terminated")
        self.assertEqual(self.plan.instance_count, 1)
        action = self.plan.action_view_instances()
        self.assertEqual(action["domain"], [("plan_id", "=", self.plan.id)])
        before = self.env["saas.plan"].search_count([])
        with self.assertRaises(CheckViolation), self.cr.savepoint(), mute_logger("odoo.sql_db"):
            self.env["saas.plan"].create({"name": "Negative", "price": -1})
        self.assertEqual(self.env["saas.plan"].search_count([]), before)

    def test_default_plan_setting(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "saas_base.default_plan_id", str(self.plan_hidden.id)
        )
        instance = self.env["saas.instance"].create(
            {"subdomain": "default-plan", "partner_id": self.customer_b.id}
        )
        self.assertEqual(instance.plan_id, self.plan_hidden)

    def test_settings(self):
        settings = self.env["res.config.settings"].create(
            {"saas_url_scheme": "http", "saas_url_port": 8443}
        )
        # the base domain is shown, from odoo.conf: the one source
        self.assertEqual(settings.saas_base_domain, "saas.example.com")
        settings.execute()
        instance = self._create_instance("settings-shop")
        self.assertEqual(instance.url, "http://settings-shop.saas.example.com:8443")
