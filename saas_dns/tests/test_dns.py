"""DNS and routing end to end, with real parts on loopback: a PowerDNS
server (HTTP API, answers checked with dig), nginx configured from the route
map in front of this test server, tenants provisioned by the real pipeline."""
import shutil
import tempfile
import time
from datetime import datetime, timedelta
from unittest.mock import patch

import requests

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import config

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.saas_provisioning.tests.common import (
    create_instance,
    create_plan,
    create_test_server,
    provision,
    ready_template,
    run_jobs,
)
from odoo.addons.saas_router import routing

from ..providers import make_provider
from . import servers

PASSWORD = "Dns-tenant-Pass-7"
ENDED_URL = "https://example.test/closed"
T0 = datetime(2026, 2, 28, 12, 0)  # the daily proof checks' clock


@tagged("post_install", "-at_install")
class TestDnsRouting(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pdns = servers.PowerDnsServer().start()
        cls.addClassCleanup(cls.pdns.stop)
        cls.provider = make_provider("powerdns", api_url=cls.pdns.api_url,
                                     api_key=cls.pdns.api_key)
        cls.provider.ensure_zone("localhost")
        cls.provider.ensure_zone("customer.test")
        cls.nginx_dir = tempfile.mkdtemp(prefix="saas-tdn-nginx-")
        cls.addClassCleanup(shutil.rmtree, cls.nginx_dir, True)
        cls.nginx = servers.NginxServer(prefix=cls.nginx_dir)
        cls.nginx_port = servers.free_port()
        params = cls.env["ir.config_parameter"].sudo()
        for key, value in {
            "saas_dns.provider": "powerdns", "saas_dns.api_url": cls.pdns.api_url,
            "saas_dns.api_key": cls.pdns.api_key, "saas_dns.zone": "localhost",
            "saas_dns.target": "127.0.0.1", "saas_dns.ttl": "60",
            "saas_dns.resolver": f"127.0.0.1:{cls.pdns.dns_port}",
            "saas_dns.nginx_conf": cls.nginx.conf_path, "saas_dns.nginx_prefix": cls.nginx_dir,
            "saas_dns.nginx_pid": cls.nginx.pid_file,
            "saas_dns.nginx_listen": f"127.0.0.1:{cls.nginx_port}",
            "saas_dns.nginx_upstream": f"127.0.0.1:{config['http_port']}",
            "saas_dns.terminated_redirect_url": ENDED_URL,
        }.items():
            params.set_param(key, value)
        assert cls.env["saas.instance"]._nginx_sync(), "first configuration"
        cls.nginx.start(cls.nginx_port)
        cls.addClassCleanup(cls.nginx.stop)
        cls.server = create_test_server(cls.env)
        cls.template = ready_template(cls.env, cls.server, "base,web")
        cls.plan = create_plan(cls.env, cls.template, name="DNS plan", max_users=3)
        cls.customer = cls.env["res.partner"].create({"name": "DNS Customer",
                                                      "email": "dns@customer.test"})

    def _through_nginx(self, host, path="/web/login"):
        return requests.get(f"http://127.0.0.1:{self.nginx_port}{path}", timeout=30,
                            headers={"Host": f"{host}:{self.nginx_port}"}, allow_redirects=False)

    def _login_db(self, host, headers=None, base=None):
        """The database a login through nginx at ``host`` lands in (or
        straight to Odoo at ``base``)."""
        base = base or f"http://127.0.0.1:{self.nginx_port}"
        host = host if base != f"http://127.0.0.1:{self.nginx_port}" \
            else f"{host}:{self.nginx_port}"
        for _attempt in range(100):  # an nginx worker of the old configuration may linger
            response = requests.post(
                f"{base}/web/session/authenticate", timeout=30,
                headers=dict(headers or {}, Host=host),
                json={"jsonrpc": "2.0", "method": "call", "params": {
                    "db": self.instance.database_name, "login": "dns@customer.test",
                    "password": PASSWORD}})
            if response.status_code != 404:
                break
            time.sleep(0.05)
        result = response.json().get("result") or {}
        return result.get("db") if result.get("uid") else None

    def _wait_nginx(self, host, status):
        for _attempt in range(100):  # a reload takes effect within ~100 ms
            response = self._through_nginx(host)
            if response.status_code == status:
                return response
            time.sleep(0.05)
        return response

    def test_tenant_names_records_custom_domain_and_end(self):
        self.instance = instance = create_instance(
            self.env, "dns-shop", self.customer, self.plan, name="DNS Shop",
            server_id=self.server.id)
        provision(instance, PASSWORD)
        host = "dns-shop.localhost"
        # the record, set as a provisioning step, answers dig
        self.assertIn("dns", instance.log_ids.mapped("step"))
        self.assertEqual(self.pdns.dig(host), ["127.0.0.1"])
        # the map routes the name; nginx passes it on with its Host
        self.assertEqual(routing.classify(host), ("tenant", instance.database_name))
        page = self._wait_nginx(host, 200)
        self.assertEqual(page.status_code, 200)
        self.assertIn('name="login"', page.text)
        self.assertEqual(self._login_db(host), instance.database_name)
        # an unknown name under our domain reaches nothing through nginx either
        self.assertNotIn('name="login"', self._through_nginx("nobody.localhost").text)

        # a custom domain: refused until the TXT holds the token
        domain = instance._add_custom_domain("Shop.Customer.TEST.")
        self.assertEqual(domain.name, "shop.customer.test")
        with self.assertRaisesRegex(UserError, "not verified yet"):
            domain.action_verify()
        self.provider.replace_record("customer.test", domain.txt_name, "TXT",
                                     ["saas-verify=not-the-token"])
        with self.assertRaisesRegex(UserError, "not-the-token"):
            domain.action_verify()
        self.assertEqual(domain.state, "pending")
        self.assertEqual(routing.classify("shop.customer.test"), ("none", None))
        self.provider.replace_record("customer.test", domain.txt_name, "TXT", [domain.token])
        domain.action_verify()
        self.assertEqual((domain.state, domain.verified_method), ("verified", "TXT"))
        self.assertEqual(routing.classify("shop.customer.test"),
                         ("tenant", instance.database_name))
        self.assertEqual(self._wait_nginx("shop.customer.test", 200).status_code, 200)
        self.assertEqual(self._login_db("shop.customer.test"), instance.database_name)
        # ... and it is the tenant's address now
        self.assertEqual(instance._tenant_db().read_settings()["base_url"],
                         "http://shop.customer.test")
        self._forged_forwarded_host_and_blocked_paths(host, instance)
        self._proof_rechecked_daily(domain, host, instance)
        # other customers' names cannot be claimed
        with self.assertRaisesRegex(UserError, "own names"):
            instance._add_custom_domain("other.localhost")
        # removal: no route, the subdomain is the address again
        domain.action_remove()
        self.assertEqual(routing.classify("shop.customer.test"), ("none", None))
        self.assertEqual(self._wait_nginx("shop.customer.test", 404).status_code, 404)
        self.assertEqual(instance._tenant_db().read_settings()["base_url"], instance.url)

        # a broken nginx configuration is refused and the live one kept
        with open(self.nginx.conf_path) as live:
            before = live.read()
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("saas_dns.nginx_listen", "127.0.0.1:not-a-port")
        self.assertFalse(instance._nginx_sync())
        with open(self.nginx.conf_path) as live:
            self.assertEqual(live.read(), before)
        self.assertEqual(self._through_nginx(host).status_code, 200)
        params.set_param("saas_dns.nginx_listen", f"127.0.0.1:{self.nginx_port}")

        # terminate: the record goes, the name redirects to the configured URL
        with trap_jobs() as trap:
            instance.action_terminate()
            run_jobs(trap)
        self.assertEqual(instance.state, "terminated")
        self.assertEqual(self.pdns.dig(host), [])
        self.assertEqual(routing.classify(host), ("redirect", ENDED_URL))
        ended = self._wait_nginx(host, 302)
        self.assertEqual(ended.headers.get("Location"), ENDED_URL)
        # and so does Odoo itself, without nginx in front
        direct = requests.get(f"{self.base_url()}/web/login", headers={"Host": host},
                              allow_redirects=False, timeout=30)
        self.assertEqual((direct.status_code, direct.headers.get("Location")), (302, ENDED_URL))
        self.assertFalse(routing.db_filter([instance.database_name], host=host))

    def _forged_forwarded_host_and_blocked_paths(self, host, instance):
        """With proxy_mode (as deployed), Odoo trusts X-Forwarded-Host: a
        client's own "localhost" sent straight to Odoo is answered as the
        master; through nginx it is replaced by the host nginx routed by."""
        forged = {"X-Forwarded-Host": "localhost"}
        with patch.dict(config.options, proxy_mode=True):
            self.assertNotEqual(  # the danger, without nginx in front
                self._login_db("shop.customer.test", forged, base=self.base_url()),
                instance.database_name)
            for name in (host, "shop.customer.test"):
                self.assertEqual(self._login_db(name, forged), instance.database_name, name)
        # the job runner's endpoint and the database manager: refused by nginx
        for name in (host, "shop.customer.test"):
            for path in ("/queue_job/runjob?db=x&job_uuid=y", "/web/database/manager",
                         "/web/database/selector"):
                response = self._through_nginx(name, path)
                self.assertEqual(response.status_code, 404, (name, path))
                self.assertIn("<center>nginx</center>", response.text)  # not Odoo's

    def _proof_rechecked_daily(self, domain, host, instance):
        """The TXT goes: still routed for 3 days, then not, the owner mailed;
        proved again, routed again."""
        domains = self.env["saas.custom.domain"]
        self.assertEqual(domains._cron_recheck_proofs(now=T0)[domain.name], "kept")
        self.provider.delete_record("customer.test", domain.txt_name, "TXT")
        self.assertEqual(domains._cron_recheck_proofs(now=T0)[domain.name], "missing")
        self.assertEqual(domain.proof_missing_since, T0)
        self.assertEqual(domains._cron_recheck_proofs(now=T0 + timedelta(days=2, hours=23))
                         [domain.name], "missing")
        self.assertEqual((domain.state, routing.classify(domain.name)),
                         ("verified", ("tenant", instance.database_name)))
        self.assertFalse(self.env["mail.mail"].search([("model", "=", "saas.custom.domain"),
                                                       ("res_id", "=", domain.id)]))
        self.assertEqual(domains._cron_recheck_proofs(now=T0 + timedelta(days=3))[domain.name],
                         "lapsed")
        self.assertEqual(domain.state, "lapsed")
        self.assertEqual(routing.classify(domain.name), ("none", None))
        self.assertEqual(self._wait_nginx(domain.name, 404).status_code, 404)
        self.assertEqual(instance._tenant_db().read_settings()["base_url"], instance.url)
        mail = self.env["mail.mail"].search([("model", "=", "saas.custom.domain"),
                                             ("res_id", "=", domain.id)])
        self.assertEqual(len(mail), 1)
        self.assertIn(self.customer, mail.recipient_ids)
        self.assertIn("shop.customer.test no longer leads to your Odoo", mail.subject)
        self.assertIn(domain.token, mail.body_html)
        # a lapsed domain is checked no more; proved again, it routes again
        self.assertNotIn(domain.name, domains._cron_recheck_proofs(now=T0 + timedelta(days=4)))
        self.provider.replace_record("customer.test", domain.txt_name, "TXT", [domain.token])
        domain.action_verify()
        self.assertEqual((domain.state, domain.proof_missing_since), ("verified", False))
        self.assertEqual(self._wait_nginx(domain.name, 200).status_code, 200)
        self.assertEqual(self._login_db(domain.name), instance.database_name)

    def test_wildcard_mode_and_portal_settings_access(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("saas_dns.wildcard", "True")
        instance = self.env["saas.instance"].new({"subdomain": "wild", "name": "Wild"})
        self.assertEqual(instance._dns_records(), [("*.localhost", "A", ["127.0.0.1"])])
        instance._dns_publish()
        self.assertEqual(self.pdns.dig("anything-new.localhost"), ["127.0.0.1"])
        self.provider.delete_record("localhost", "*.localhost", "A")
        # credentials are system parameters: a SaaS manager cannot read them
        manager = self.env["res.users"].create({
            "name": "Mgr", "login": "dns-mgr",
            "groups_id": [(6, 0, [self.env.ref("saas_base.group_saas_manager").id])]})
        self.assertFalse(self.env["ir.config_parameter"].with_user(manager).has_access("read"))
        settings_field = self.env["res.config.settings"]._fields["saas_dns_api_key"]
        self.assertEqual(settings_field.groups, "base.group_system")


@tagged("post_install", "-at_install")
class TestCustomDomainPortal(HttpCase):
    """The customer's path: /my/saas/<id>, add a domain, see the proof to
    publish, a refused verification, remove it; another customer cannot."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pdns = servers.PowerDnsServer().start()
        cls.addClassCleanup(cls.pdns.stop)
        cls.env["ir.config_parameter"].sudo().set_param(
            "saas_dns.resolver", f"127.0.0.1:{cls.pdns.dns_port}")
        cls.owner = cls.env["res.users"].create({
            "name": "Domain Owner", "login": "domain-owner", "password": "domain-owner-42",
            "email": "owner@domains.test",
            "groups_id": [(6, 0, [cls.env.ref("base.group_portal").id])]})
        cls.other = cls.env["res.users"].create({
            "name": "Other", "login": "domain-other", "password": "domain-other-42",
            "groups_id": [(6, 0, [cls.env.ref("base.group_portal").id])]})
        portal = cls.env.ref("base.group_portal")
        # contacts of the same customer: one the owner did not allow to open
        # the instance (an accountant), one they did
        cls.colleague, cls.allowed = [cls.env["res.users"].create({
            "name": name, "login": login, "password": f"{login}-42",
            "parent_id": cls.owner.partner_id.id,
            "groups_id": [(6, 0, [portal.id])]}) for name, login in (
                ("Accountant", "domain-accountant"), ("Allowed", "domain-allowed"))]
        cls.provider = make_provider("powerdns", api_url=cls.pdns.api_url,
                                     api_key=cls.pdns.api_key)
        cls.provider.ensure_zone("rival.test")
        plan = cls.env["saas.plan"].search([], limit=1) or create_plan(cls.env, name="P")
        cls.instance = create_instance(cls.env, "domains-co", cls.owner.partner_id, plan,
                                       name="Domains Co", state="active")
        # who else the portal trusts is saas_sso's access list (when installed,
        # as in the suite's master): the owner allows this contact to open it
        cls.has_access_list = "saas.instance.access" in cls.env
        if cls.has_access_list:
            cls.env["saas.instance.access"].create({
                "instance_id": cls.instance.id, "partner_id": cls.allowed.partner_id.id,
                "tenant_login": "allowed@domains.test"})
        cls.rival = create_instance(cls.env, "rival-co", cls.other.partner_id, plan,
                                    name="Rival Co", state="active")

    def _post(self, path, **data):
        page = self.url_open(f"/my/saas/{self.instance.id}")
        if 'name="csrf_token"' not in page.text:  # no form for this contact here
            page = self.url_open("/my/account")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        return self.url_open(path, data=dict(data, csrf_token=token))

    def test_customer_adds_verifies_and_removes_a_domain(self):
        self.authenticate("domain-owner", "domain-owner-42")
        page = self._post(f"/my/saas/{self.instance.id}/domains", domain="erp.acme-customer.test")
        self.assertEqual(page.status_code, 200)
        domain = self.instance.custom_domain_ids
        self.assertEqual(domain.name, "erp.acme-customer.test")
        self.assertIn(domain.token, page.text)  # the proof to publish, shown
        self.assertIn("_saas-verify.erp.acme-customer.test", page.text)
        page = self._post(f"/my/saas/{self.instance.id}/domains/{domain.id}/verify")
        self.assertIn("o_saas_domain_error", page.text)
        self.assertIn("not verified yet", page.text)
        self.assertEqual(domain.state, "pending")
        # a bad name: a clear error, nothing made
        page = self._post(f"/my/saas/{self.instance.id}/domains", domain="not a domain")
        self.assertIn("not a valid domain name", page.text)
        self.assertEqual(len(self.instance.custom_domain_ids), 1)
        # another customer can neither see nor act on it
        self.authenticate("domain-other", "domain-other-42")
        self.url_open(f"/my/saas/{self.instance.id}/domains/{domain.id}/remove",
                      data={"csrf_token": "x"})
        self.assertTrue(domain.exists())
        self.assertFalse(self.env["saas.custom.domain"].with_user(self.other).search([]))
        self.authenticate("domain-owner", "domain-owner-42")
        self._post(f"/my/saas/{self.instance.id}/domains/{domain.id}/remove")
        self.assertFalse(domain.exists())

    def test_only_the_owner_or_allowed_contacts_manage_domains(self):
        self.authenticate("domain-owner", "domain-owner-42")
        self._post(f"/my/saas/{self.instance.id}/domains", domain="erp.owned.test")
        domain = self.instance.custom_domain_ids
        self.assertEqual(domain.name, "erp.owned.test")
        # a contact of the customer the owner did not allow: refused, clearly
        self.authenticate("domain-accountant", "domain-accountant-42")
        for path in (f"/my/saas/{self.instance.id}/domains/{domain.id}/verify",
                     f"/my/saas/{self.instance.id}/domains/{domain.id}/remove"):
            page = self._post(path)
            self.assertIn("o_saas_domain_error", page.text)
            self.assertIn("Only Domain Owner, or a contact they allowed", page.text)
            self.assertNotIn(domain.token, page.text)
        page = self._post(f"/my/saas/{self.instance.id}/domains", domain="evil.owned.test")
        self.assertIn("Only Domain Owner, or a contact they allowed", page.text)
        self.assertEqual(self.instance.custom_domain_ids, domain)
        self.assertEqual((domain.state, domain.last_check_message), ("pending", False))
        with self.assertRaises(AccessError):
            self.instance.with_user(self.colleague)._add_custom_domain("evil.owned.test")
        with self.assertRaises(AccessError):
            domain.with_user(self.colleague).sudo().action_remove()
        self.assertTrue(domain.exists())
        if not self.has_access_list:
            return
        # the contact the owner allowed to open the instance may
        self.authenticate("domain-allowed", "domain-allowed-42")
        page = self._post(f"/my/saas/{self.instance.id}/domains", domain="shop.owned.test")
        self.assertNotIn("o_saas_domain_error", page.text)
        self.assertEqual(sorted(self.instance.custom_domain_ids.mapped("name")),
                         ["erp.owned.test", "shop.owned.test"])
        self._post(f"/my/saas/{self.instance.id}/domains/{domain.id}/remove")
        self.assertFalse(domain.exists())

    def test_pending_names_block_nobody_and_expire(self):
        # a rival's unproved claim does not keep the owner from the name
        squat = self.rival._add_custom_domain("erp.rival.test")
        mine = self.instance._add_custom_domain("erp.rival.test")
        with self.assertRaisesRegex(UserError, "already attached to this instance"):
            self.instance._add_custom_domain("ERP.rival.test.")
        self.provider.replace_record("rival.test", mine.txt_name, "TXT", [mine.token])
        with self.assertRaisesRegex(UserError, "not verified yet"):
            squat.action_verify()  # the proof is the owner's token, not theirs
        mine.action_verify()
        self.assertEqual(mine.state, "verified")
        self.assertFalse(squat.exists(), "the other pending claims are dropped")
        self.assertIn("proved by another customer", self.rival.message_ids[:1].body)
        with self.assertRaisesRegex(UserError, "already attached to another instance"):
            self.rival._add_custom_domain("erp.rival.test")
        # pending claims expire after 72 h (the clock given to the cron)
        pending = self.rival._add_custom_domain("shop.rival.test")
        domains = self.env["saas.custom.domain"]
        self.assertEqual(domains._cron_expire_pending(
            now=pending.create_date + timedelta(hours=71, minutes=59)), 0)
        self.assertTrue(pending.exists())
        self.assertEqual(domains._cron_expire_pending(
            now=pending.create_date + timedelta(hours=72)), 1)
        self.assertFalse(pending.exists())
        self.assertTrue(mine.exists(), "verified ones never expire")
