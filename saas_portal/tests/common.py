import re
from urllib.parse import parse_qs, urlsplit

from odoo.tests import HttpCase
from odoo.tools import config

from odoo.addons.saas_provisioning.tests.common import (
    create_customer,
    create_instance,
    create_plan,
    create_template,
    create_test_server,
    ready_template,
)
from odoo.addons.saas_router.routing import tenant_db_prefix

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="signup_token" value="([0-9a-f]{32})"')
PASSWORD = "H7-signup-pass"


class SaasPortalCase(HttpCase):
    """Master set up for the portal: a server record on the test PostgreSQL,
    a template (really built when ``real_template``; otherwise a ready
    record whose database is never cloned because jobs are not run) and two
    published plans.  Demo plans are unpublished so pages show ours only."""

    real_template = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        # the base domain is odoo.conf's (localhost in tests); URLs carry our port
        params.set_param("saas_base.url_port", str(config["http_port"]))
        params.set_param("saas_base.url_scheme", "http")
        # Rate limits off unless a test sets them: all requests come from 127.0.0.1.
        params.set_param("saas_portal.signup_rate_limit", "0")
        params.set_param("saas_portal.check_rate_limit", "0")
        params.set_param("saas_portal.signup_verify_email", "False")
        cls.env["saas.plan"].search([]).write({"published": False})
        cls.server = create_test_server(cls.env, name="H7 PostgreSQL", max_instances=500)
        params.set_param("saas_base.default_server_id", str(cls.server.id))
        cls.pg = cls.server._pg_admin()
        if cls.real_template:
            cls.template = ready_template(cls.env, cls.server)
        else:
            cls.template = create_template(cls.env, cls.server, name="H7 Tiny", state="ready",
                                           database_name="h7_never_cloned")
        # the trial is saas_billing_contract's (when installed, as in the suite's master)
        has_trial = "trial_days" in cls.env["saas.plan"]._fields
        cls.plan_small = create_plan(
            cls.env, cls.template, name="H7 Starter", sequence=1, max_users=3,
            max_storage_mb=500, price=10.0, published=True, **({"trial_days": 14} if has_trial else {}))
        cls.plan_big = create_plan(
            cls.env, cls.template, name="H7 Business", sequence=2, max_users=20,
            max_storage_mb=5000, price=49.0, published=True)
        cls.plan_hidden = create_plan(cls.env, cls.template, name="H7 Internal", published=False)

    # ------------------------------------------------------------------
    def _form(self):
        """GET the sign-up page: (csrf token, idempotency token)."""
        page = self.url_open("/saas/signup")
        self.assertEqual(page.status_code, 200)
        return CSRF_RE.search(page.text).group(1), TOKEN_RE.search(page.text).group(1)

    def _signup_data(self, **overrides):
        csrf, token = self._form()
        data = {
            "csrf_token": csrf,
            "signup_token": token,
            "plan_id": str(self.plan_small.id),
            "subdomain": "h7-acme",
            "company_name": "Acme Corp",
            "email": "owner@acme.test",
            "website": "",
        }
        data.update(overrides)
        return data

    def _post_signup(self, data, opener=None):
        opener = opener or self.opener
        return opener.post(self.base_url() + "/saas/signup", data=data, timeout=60,
                           allow_redirects=False)

    def _set_password(self, url, password=PASSWORD, confirm=None, opener=None):
        """Open the set-password page at ``url`` (the mail's link, or the
        answer to the form when verification is off) and send it."""
        opener = opener or self.opener
        parts = urlsplit(url)
        page = opener.get(self.base_url() + parts.path + "?" + parts.query, timeout=60)
        self.assertEqual(page.status_code, 200, page.text[:1000])
        return opener.post(self.base_url() + parts.path, timeout=60, allow_redirects=False, data={
            "csrf_token": CSRF_RE.search(page.text).group(1),
            "token": parse_qs(parts.query)["token"][0],
            "password": password,
            "confirm_password": password if confirm is None else confirm,
        })

    def _signup_with_password(self, data, password=PASSWORD, opener=None):
        """Sign up (verification off) and choose the password: the answer
        of the set-password page, or the form's when it refused."""
        first = self._post_signup(data, opener)
        location = first.headers.get("Location", "")
        if first.status_code != 303 or "/saas/signup/verify/" not in location:
            return first
        return self._set_password(location, password, opener=opener)

    def _counts(self):
        """What a refused sign-up must leave untouched."""
        Users = self.env["res.users"].with_context(active_test=False)
        self.env.invalidate_all()
        return {
            "instances": self.env["saas.instance"].search_count([]),
            "users": Users.search_count([]),
            "partners": self.env["res.partner"].with_context(active_test=False).search_count([]),
            "jobs": self.env["queue.job"].search_count([]),
            "databases": len(self.pg.list_databases(tenant_db_prefix())),
        }

    @classmethod
    def _two_customers(cls):
        """Customer A (one active instance; a contact of A's company, Alice)
        and customer B (one active, one suspended), logged in as
        ``h7-cust-a`` / ``h7-cust-b`` with the password ``<login>-pass-123``."""
        cls.user_a, cls.partner_a = create_customer(cls.env, "h7-cust-a", "Alpha Company")
        cls.user_b, cls.partner_b = create_customer(cls.env, "h7-cust-b", "Bravo Company")
        # a contact of A's company sees A's instances too (commercial partner)
        cls.contact_a = cls.env["res.partner"].create({
            "name": "Alice", "parent_id": cls.partner_a.id, "email": "alice@alpha.test"})
        def instance(subdomain, name, partner):
            return create_instance(cls.env, subdomain, partner, cls.plan_small, name=name,
                                   server_id=cls.server.id)

        cls.inst_a = instance("h7-alpha", "Alpha", cls.partner_a)
        cls.inst_b = instance("h7-bravo", "Bravo Secret Name", cls.partner_b)
        cls.inst_b2 = instance("h7-bravo-two", "Bravo Suspended", cls.partner_b)
        # (states are written by the state machine only: put them there directly)
        (cls.inst_a | cls.inst_b)._write_state_machine({
            "state": "active", "user_count": 2, "db_size_mb": 40.0, "filestore_size_mb": 10.0})
        cls.inst_b2._write_state_machine({"state": "suspended"})

    def _csrf(self):
        """A CSRF token of the session (the sign-up page always has a form)."""
        page = self.url_open("/saas/signup").text
        return CSRF_RE.search(page).group(1)

    def _assert_nothing_of_b(self, paths):
        """Every path answers 403/404/405 and names nothing of B's."""
        for path in paths:
            response = self.url_open(path, allow_redirects=False)
            self.assertIn(response.status_code, (403, 404, 405), path)
            self.assertNotIn("Bravo", response.text, path)
            self.assertNotIn("h7-bravo", response.text, path)
            self.assertNotIn("token=", response.headers.get("Location", ""), path)

    def _rpc(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request("/web/dataset/call_kw", {
            "model": model, "method": method, "args": args, "kwargs": kwargs or {}})
