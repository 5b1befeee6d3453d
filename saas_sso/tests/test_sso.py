import json
import time
from unittest.mock import patch

import jwt

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.saas_base.tests.common import base_domain_patch
from odoo.addons.saas_provisioning.tests.common import (
    create_instance,
    create_plan,
    create_template,
    create_test_server,
)
from odoo.addons.saas_provisioning.adapters.errors import ServerUnreachableError

ISSUER = "https://master.example.com"


class FakeTenantDb:
    """Stands for saas_provisioning's TenantDatabase: records the settings
    the master writes (no tenant database is needed for these tests)."""

    writes = []
    unreachable = set()

    def __init__(self, dbname):
        self.dbname = dbname

    def write_settings(self, values):
        if self.dbname in self.unreachable:
            raise ServerUnreachableError(f"{self.dbname}: connection refused")
        self.writes.append((self.dbname, dict(values)))


@tagged("post_install", "-at_install")
class TestSso(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        cls.startClassPatcher(base_domain_patch("saas.example.com"))
        params.set_param("saas_base.url_scheme", "https")
        params.set_param("saas_sso.issuer", ISSUER)
        cls.Key = cls.env["saas.sso.key"]
        cls.key = cls.Key._ensure_key()
        cls.server = create_test_server(cls.env, name="h6 server")
        cls.template = create_template(cls.env, cls.server, name="h6 template")
        cls.plan = create_plan(cls.env, cls.template, name="h6 plan", max_users=3)
        cls.customer = cls.env["res.partner"].create(
            {"name": "H6 Customer", "is_company": True, "email": "owner@h6.example.com"})
        cls.contact = cls.env["res.partner"].create(
            {"name": "Carla of H6", "parent_id": cls.customer.id, "email": "carla@h6.example.com"})
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "H6 Other", "is_company": True, "email": "other@h6.example.com"})
        cls.portal_user = new_test_user(cls.env, login="h6_portal", groups="base.group_portal",
                                        partner_id=cls.contact.id)
        cls.other_portal = new_test_user(cls.env, login="h6_other_portal",
                                         groups="base.group_portal")
        cls.other_portal.partner_id.parent_id = cls.other_customer
        cls.internal = new_test_user(cls.env, login="h6_internal", groups="base.group_user")
        cls.manager = new_test_user(
            cls.env, login="h6_manager", name="Sam Support",
            groups="base.group_user,saas_base.group_saas_manager")
        cls.instance = cls._instance("h6-shop", "active")
        cls.suspended = cls._instance("h6-paused", "suspended")
        cls.draft = cls._instance("h6-draft", "draft")
        # Carla may open the three instances as their administrator
        Access = cls.env["saas.instance.access"]
        cls.access = Access.create({"instance_id": cls.instance.id, "partner_id": cls.contact.id,
                                    "tenant_login": "owner@h6.example.com"})
        for instance in cls.suspended | cls.draft:
            Access.create({"instance_id": instance.id, "partner_id": cls.contact.id,
                           "tenant_login": "owner@h6.example.com"})
        # the person who signed up (the instance's own contact), and a
        # colleague of Carla's given portal access to pay invoices
        cls.owner_user = new_test_user(cls.env, login="h6_owner", groups="base.group_portal",
                                       partner_id=cls.customer.id)
        cls.colleague = new_test_user(cls.env, login="h6_accountant", groups="base.group_portal")
        cls.colleague.partner_id.parent_id = cls.customer

    @classmethod
    def _instance(cls, subdomain, state):
        instance = create_instance(cls.env, subdomain, cls.customer, cls.plan, name=False,
                                   server_id=cls.server.id, admin_login="owner@h6.example.com")
        # The states are reached by the provisioning pipeline, not tested here
        # (only the state machine writes them: put them there directly).
        instance._write_state_machine({"state": state})
        return instance

    def setUp(self):
        super().setUp()
        FakeTenantDb.writes = []
        FakeTenantDb.unreachable = set()
        patcher = patch.object(type(self.env["saas.instance"]), "_tenant_db",
                               lambda instance: FakeTenantDb(instance.database_name))
        patcher.start()
        self.addCleanup(patcher.stop)

    def _token_of(self, form):
        self.assertEqual(form["action"], f"{self.instance.url}/saas_sso/login")
        return form["token"]

    def _decode(self, token, audience=None):
        """Decode as the tenant does (saas_tenant/sso.py)."""
        kid = jwt.get_unverified_header(token)["kid"]
        public_pem = self.Key._public_keys()[kid]
        return jwt.decode(token, public_pem, algorithms=["RS256"],
                          audience=audience or self.instance.database_name, issuer=ISSUER,
                          leeway=10, options={"require": ["exp", "iat", "jti", "sub", "aud", "iss"]})

    # -- keys ----------------------------------------------------------------------

    def test_key_generated(self):
        self.assertEqual(self.key.state, "active")
        self.assertIn("BEGIN PRIVATE KEY", self.key.sudo().private_key)
        self.assertIn("BEGIN PUBLIC KEY", self.key.public_key)
        self.assertEqual(self.Key._ensure_key(), self.Key._signing_key())
        # the private half is for administrators only
        self.assertEqual(self.Key._fields["private_key"].groups, "base.group_system")
        with self.assertRaises(AccessError):
            self.key.with_user(self.manager).read(["private_key"])
        self.assertTrue(self.key.with_user(self.manager).read(["public_key"]))

    def test_tenant_settings(self):
        settings = self.instance._tenant_settings()
        self.assertEqual(settings["sso_issuer"], ISSUER)
        self.assertEqual(json.loads(settings["sso_public_keys"]),
                         {self.key.kid: self.key.public_key})
        self.assertIn("max_users", settings, "saas_provisioning's settings are kept")

    # -- tokens --------------------------------------------------------------------

    def test_token_claims(self):
        before = int(time.time())
        token = self._token_of(self.instance.with_user(self.portal_user)._sso_login_form())
        header = jwt.get_unverified_header(token)
        self.assertEqual(header["alg"], "RS256")
        self.assertEqual(header["kid"], self.Key._signing_key().kid)
        claims = self._decode(token)
        self.assertEqual(claims["aud"], self.instance.database_name)
        self.assertEqual(claims["sub"], "owner@h6.example.com")
        self.assertEqual(claims["iss"], ISSUER)
        self.assertLessEqual(claims["exp"] - claims["iat"], 60)
        self.assertGreaterEqual(claims["iat"], before)
        self.assertTrue(claims["jti"])
        # another tenant's audience is refused by the verifier
        with self.assertRaises(jwt.InvalidAudienceError):
            self._decode(token, audience="saas_t_h6_other")
        # a fresh jti every time; the access line decides the login
        self.access.tenant_login = "carla@h6.example.com"
        other = self._decode(self._token_of(
            self.instance.with_user(self.portal_user)._sso_login_form()))
        self.assertEqual(other["sub"], "carla@h6.example.com")
        self.assertNotEqual(other["jti"], claims["jti"])
        # and a customer cannot ask for another login than theirs
        with self.assertRaises(AccessError):
            self.instance.with_user(self.portal_user)._sso_login_form("owner@h6.example.com")

    # -- who may get a token ------------------------------------------------------

    def test_customer_may(self):
        url = self.instance.with_user(self.portal_user)._sso_login_form()
        self.assertTrue(url)
        self.assertFalse(self.instance.message_ids.filtered(
            lambda m: "Support login" in (m.body or "")), "a customer login is no support login")

    def test_owner_and_colleague(self):
        owner = self.instance.with_user(self.owner_user)
        self.assertTrue(owner._sso_can_open())
        self.assertEqual(self._decode(self._token_of(owner._sso_login_form()))["sub"],
                         "owner@h6.example.com")
        # a colleague sees the instance (the portal's record rule) but may not open it
        colleague = self.instance.with_user(self.colleague)
        self.assertTrue(colleague.read(["subdomain"]))
        self.assertFalse(colleague._sso_can_open())
        with patch.object(type(self.Key), "_sign", side_effect=AssertionError("minted")):
            with self.assertRaises(AccessError):
                colleague._sso_login_form()
            with self.assertRaises(AccessError):
                colleague._sso_login_form("owner@h6.example.com")
        # once listed, as the login of their line
        self.env["saas.instance.access"].create({
            "instance_id": self.instance.id, "partner_id": self.colleague.partner_id.id,
            "tenant_login": "books@h6.example.com"})
        self.assertEqual(self._decode(self._token_of(colleague._sso_login_form()))["sub"],
                         "books@h6.example.com")
        # a contact of another customer cannot be listed
        with self.assertRaises(ValidationError):
            self.env["saas.instance.access"].create({
                "instance_id": self.instance.id, "partner_id": self.other_portal.partner_id.id,
                "tenant_login": "x@h6.example.com"})

    def test_other_customer_may_not(self):
        with self.assertRaises(AccessError):
            self.instance.with_user(self.other_portal)._sso_login_form()

    def test_internal_user_may_not(self):
        with self.assertRaises(AccessError):
            self.instance.with_user(self.internal)._sso_login_form()

    def test_public_user_may_not(self):
        public = self.env.ref("base.public_user")
        with self.assertRaises(AccessError):
            self.instance.with_user(public)._sso_login_form()

    def test_manager_may_and_is_logged(self):
        as_manager = self.instance.with_user(self.manager)
        with self.assertRaisesRegex(UserError, "Say why"):
            as_manager._sso_login_form(reason="  ")
        self.assertFalse(self.instance.support_login_ids)
        form = as_manager._sso_login_form(reason="Ticket 42: broken report")
        self.assertEqual(self._decode(self._token_of(form))["sub"], "owner@h6.example.com")
        note = self.instance.message_ids[:1]
        self.assertIn("Support login by Sam Support", note.body)
        self.assertIn("owner@h6.example.com", note.body)
        self.assertIn("Ticket 42", note.body)
        self.assertEqual(note.author_id, self.manager.partner_id)
        log = self.instance.support_login_ids
        self.assertEqual(len(log), 1)
        self.assertEqual((log.user_id, log.tenant_login, log.reason),
                         (self.manager, "owner@h6.example.com", "Ticket 42: broken report"))
        self.assertTrue(log.date)
        # support may choose the tenant user
        form = as_manager._sso_login_form("carla@h6.example.com", reason="check her rights")
        self.assertEqual(self._decode(self._token_of(form))["sub"], "carla@h6.example.com")
        # the backend button asks for the reason first
        action = as_manager.action_sso_login()
        self.assertEqual(action["res_model"], "saas.sso.support.wizard")
        with self.assertRaises(AccessError):
            self.instance.with_user(self.internal).action_sso_login()

    def test_instance_not_active(self):
        for instance in (self.suspended, self.draft):
            with self.assertRaises(UserError):
                instance.with_user(self.portal_user)._sso_login_form()
            with self.assertRaises(UserError):
                instance.with_user(self.manager)._sso_login_form(reason="support")

    # -- rotation ----------------------------------------------------------------

    def test_rotation(self):
        old = self.Key._signing_key()
        old_token = self.Key._sign(self.instance.database_name, "owner@h6.example.com")
        self.Key.with_user(self.env.ref("base.user_admin")).browse(old.id).action_rotate()
        new = self.Key._signing_key()
        self.assertNotEqual(new, old)
        self.assertEqual(old.state, "retiring")
        # new tokens use the new kid; the old token still verifies
        token = self._token_of(self.instance.with_user(self.portal_user)._sso_login_form())
        self.assertEqual(jwt.get_unverified_header(token)["kid"], new.kid)
        self._decode(token)
        self.assertEqual(self._decode(old_token)["sub"], "owner@h6.example.com")
        # both keys reached every live tenant (active and suspended), not the others
        pushed = dict(FakeTenantDb.writes)
        self.assertIn(self.instance.database_name, pushed)
        self.assertIn(self.suspended.database_name, pushed)
        self.assertNotIn(self.draft.database_name, pushed)
        for settings in pushed.values():
            self.assertEqual(json.loads(settings["sso_public_keys"]),
                             {old.kid: old.public_key, new.kid: new.public_key})
            self.assertEqual(settings["sso_issuer"], ISSUER)
        # retiring: pushed again without the old key
        FakeTenantDb.writes = []
        old.action_retire()
        self.assertEqual(old.state, "retired")
        for _db, settings in FakeTenantDb.writes:
            self.assertEqual(json.loads(settings["sso_public_keys"]), {new.kid: new.public_key})
        ours = {self.instance.database_name, self.suspended.database_name}
        self.assertEqual(ours & {db for db, _s in FakeTenantDb.writes}, ours)
        with self.assertRaises(KeyError):
            self._decode(old_token)

    def test_cannot_retire_last_active_key(self):
        with self.assertRaises(UserError):
            self.Key._signing_key().action_retire()

    def test_rotation_reports_unreachable_tenant(self):
        FakeTenantDb.unreachable = {self.suspended.database_name}
        action = self.Key._signing_key().action_rotate()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn(self.suspended.display_name, action["params"]["message"])
        self.assertIn("could not be written", self.suspended.message_ids[:1].body)
        written = {db for db, _s in FakeTenantDb.writes}
        self.assertIn(self.instance.database_name, written)
        self.assertNotIn(self.suspended.database_name, written)

    def test_only_admins_rotate(self):
        with self.assertRaises(AccessError):
            self.Key._signing_key().with_user(self.manager).action_rotate()

    def test_provisioning_writes_keys(self):
        """The customise step and reactivation ship the keys with the limits."""
        self.suspended._hook_reactivate()
        self.assertEqual(self.suspended.state, "active")
        (db, settings), = FakeTenantDb.writes
        self.assertEqual(db, self.suspended.database_name)
        self.assertEqual(settings["suspended"], "0")
        self.assertIn(self.key.kid, json.loads(settings["sso_public_keys"]))
