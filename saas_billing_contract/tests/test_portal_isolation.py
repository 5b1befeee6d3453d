"""No customer reads another customer's records, through any model a portal
user can reach (issue 26).

The models walked are not listed here: they are read from ``ir.model.access``
at test time (every model a portal user may read: the portal group's rows,
their implied groups' and the rows without a group), so a model that any
module adds later is walked with no change to this test.  Customer A's
records are "every record created while A's data was made": the highest id
of every table is taken before, and whatever is above it afterwards is A's
(instance, contract, lines, invoice, payment, attachment, message, custom
domain, backup, and all that Odoo made along with them).

Customer B, and a colleague of A who may not open A's tenant, then run
``search`` and ``read`` on every readable model.  B must get nothing of A:
no id of A's records, no value pointing to one of them (a partner field
pointing to A's company included), no text naming A.  The colleague sees the
instance and no secret: no domain proof, no backup key or link, no saved
card reference, no sign-up token, no single sign-on token."""
import logging

from odoo.exceptions import AccessError, MissingError
from odoo.tests import new_test_user, tagged

from odoo.addons.saas_portal.tests.common import SaasPortalCase
from odoo.addons.saas_provisioning.tests.common import create_customer, create_instance

from .common import demo_provider
from .portal_common import invoice_current_month

_logger = logging.getLogger(__name__)

# in every name, email and text of A's records: a reader that gets it back
# got something of A's
MARKER = "zleakalpha"


@tagged("post_install", "-at_install")
class TestPortalIsolation(SaasPortalCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        # shared things first (not A's): products of the plans, the card provider
        for plan in cls.plan_small | cls.plan_big:
            plan._billing_product()
        cls.provider = demo_provider(env)
        cls.storage = cls._backup_storage() if "saas.backup.storage" in env else None

        # customer B, with data of its own
        cls.user_b, cls.partner_b = create_customer(cls.env, "h7-iso-b", "Bravo Isolation")
        cls.inst_b = cls._live_instance("h7-iso-bravo", "Bravo Isolation", cls.partner_b,
                                        cls.plan_small)
        invoice_current_month(cls.inst_b)

        env.flush_all()
        cls.before = cls._max_ids()

        # customer A (Business), everything of A's from here on
        cls.user_a, cls.partner_a = create_customer(env, f"h7-iso-{MARKER}", f"Alpha {MARKER} Co")
        cls.colleague = new_test_user(env, login=f"h7-iso-{MARKER}-books",
                                      password=f"h7-iso-{MARKER}-books-pass",
                                      name=f"Books {MARKER}", groups="base.group_portal",
                                      email=f"books@{MARKER}.test")
        cls.colleague.partner_id.parent_id = cls.partner_a
        cls.inst_a = cls._live_instance(f"h7-{MARKER}", f"Alpha {MARKER} Co", cls.partner_a,
                                        cls.plan_big)
        cls.card_a = env["payment.token"].create({
            "provider_id": cls.provider.id,
            "payment_method_id": cls.provider.payment_method_ids[:1].id,
            "partner_id": cls.partner_a.id, "payment_details": "4242",
            "provider_ref": f"card-ref-{MARKER}-secret", "demo_simulated_state": "done"})
        cls.invoice_a = invoice_current_month(cls.inst_a)
        cls.tx_a = cls.invoice_a._saas_charge_saved_token()
        assert cls.tx_a.state == "done" and cls.tx_a.payment_id, "A's invoice paid by card"
        cls.attachment_a = env["ir.attachment"].create({
            "name": f"{MARKER}-contract.pdf", "raw": f"terms of {MARKER}".encode(),
            "res_model": "saas.instance", "res_id": cls.inst_a.id})
        cls.inst_a.message_post(body=f"Note about {MARKER}", message_type="comment",
                                subtype_xmlid="mail.mt_comment",
                                attachment_ids=cls.attachment_a.ids)
        cls.invoice_a.message_post(body=f"Invoice note for {MARKER}", message_type="comment",
                                   subtype_xmlid="mail.mt_comment")
        cls.invoice_a.message_subscribe(cls.colleague.partner_id.ids)
        cls.instance_secrets = {"signup_token": f"signup-{MARKER}-secret",
                                "admin_password_sealed": f"sealed-{MARKER}-secret"}
        if "signup_verify_token" in cls.inst_a._fields:
            cls.instance_secrets["signup_verify_token"] = f"verify-{MARKER}-secret"
        cls.inst_a.sudo().write({k: v for k, v in cls.instance_secrets.items()
                                 if k in cls.inst_a._fields})
        cls.secrets = [cls.card_a.provider_ref, *cls.instance_secrets.values()]
        cls.domain_a = cls.backup_a = None
        if "saas.custom.domain" in env:
            cls.domain_a = env["saas.custom.domain"].create({
                "name": f"erp.{MARKER}.test", "instance_id": cls.inst_a.id})
            cls.secrets.append(cls.domain_a.token)
        if cls.storage:
            cls.backup_a = cls.inst_a._create_backup()
            cls.backup_a.write({"state": "done", "sha256": "ab" * 32, "size_bytes": 1024})
            cls.secrets += [cls.backup_a.key, cls.backup_a.sha256]
        env.flush_all()
        cls.a_ids = cls._ids_since(cls.before)

    # ------------------------------------------------------------------
    # set-up helpers
    # ------------------------------------------------------------------
    @classmethod
    def _live_instance(cls, subdomain, name, partner, plan):
        instance = create_instance(cls.env, subdomain, partner, plan, name=name,
                                   server_id=cls.server.id)
        instance._write_state_machine({"state": "active", "user_count": 2})
        return instance

    @classmethod
    def _backup_storage(cls):
        # an S3 storage presigns URLs without a request: no server needed
        storage = cls.env["saas.backup.storage"].create({
            "name": "H7 isolation", "kind": "s3", "endpoint_url": "http://127.0.0.1:9",
            "region": "us-east-1", "bucket": "h7-isolation", "access_key": "h7",
            "secret_key": "h7-secret"})
        cls.env["ir.config_parameter"].sudo().set_param("saas_backup.storage_id",
                                                         str(storage.id))
        return storage

    @classmethod
    def _tables(cls):
        return {name: model._table for name, model in cls.env.registry.items()
                if not model._abstract and model._auto and model._table}

    @classmethod
    def _max_ids(cls):
        found = {}
        for name, table in cls._tables().items():
            cls.env.cr.execute(f'SELECT max(id) FROM "{table}"')  # noqa: S608 (registry names)
            found[name] = cls.env.cr.fetchone()[0] or 0
        return found

    @classmethod
    def _ids_since(cls, before):
        found = {}
        for name, table in cls._tables().items():
            cls.env.cr.execute(f'SELECT id FROM "{table}" WHERE id > %s',  # noqa: S608
                               [before.get(name, 0)])
            ids = {row[0] for row in cls.env.cr.fetchall()}
            if ids:
                found[name] = ids
        return found

    # ------------------------------------------------------------------
    # the walk
    # ------------------------------------------------------------------
    def _readable_models(self, user):
        """Every model ``user`` may read: the rows of ir.model.access for
        their groups (and the rows without a group), plus any model whose own
        access check lets them read (an override of ``_check_access``)."""
        rows = self.env["ir.model.access"].sudo().search([
            ("perm_read", "=", True), ("active", "=", True),
            "|", ("group_id", "=", False), ("group_id", "in", user.groups_id.ids)])
        names = {row.model_id.model for row in rows if row.model_id.model in self.env}
        names.update(name for name, model in self.env.registry.items()
                     if not model._abstract and model._auto
                     and self.env[name].with_user(user).browse().has_access("read"))
        return sorted(names)

    def _read(self, records):
        """Every field ``records``' user may read, as RPC returns it; a field
        that the user may not read (an AccessError) is left out."""
        names = [name for name in records.check_field_access_rights("read", None)
                 if name in records._fields]
        try:
            with self.env.cr.savepoint():
                return records.read(names), []
        except AccessError:
            pass
        rows = {record.id: {"id": record.id} for record in records}
        refused = []
        for name in names:
            try:
                with self.env.cr.savepoint():
                    for row in records.read([name]):
                        rows[row["id"]][name] = row[name]
            except (AccessError, MissingError):
                refused.append(name)
        return list(rows.values()), refused

    def _walk(self, user):
        """{model: [rows read]} of everything ``user`` can search and read,
        and the list of models whose search was refused."""
        seen, refused = {}, []
        for name in self._readable_models(user):
            Model = self.env[name].with_user(user).with_context(active_test=False)
            try:
                with self.env.cr.savepoint():
                    records = Model.search([])
            except AccessError:
                refused.append(name)
                continue
            seen[name] = self._read(records)[0] if records else []
        return seen, refused

    def _leaks_of_a(self, seen):
        """What of A's came back: (model, record id, field, why)."""
        a_ids, leaks = self.a_ids, []
        a_partners = set(self.env["res.partner"].with_context(active_test=False).search(
            [("id", "child_of", self.partner_a.commercial_partner_id.id)]).ids)
        for name, rows in seen.items():
            Model = self.env[name]
            for row in rows:
                if row["id"] in a_ids.get(name, ()):
                    leaks.append((name, row["id"], "id", "a record of A's"))
                for fname, value in row.items():
                    field = Model._fields.get(fname)
                    if field is None or fname == "id":
                        continue
                    comodel, pointed = field.comodel_name, set()
                    if field.type == "many2one" and value:
                        pointed = {value[0]}
                    elif field.type in ("one2many", "many2many") and value:
                        pointed = set(value)
                    elif field.type == "many2one_reference" and value:
                        # (res_model, res_id) pairs: mail.message, followers...
                        comodel, pointed = row.get(field.model_field), {value}
                    if pointed & a_ids.get(comodel, set()):
                        leaks.append((name, row["id"], fname, f"points to {comodel} of A"))
                    if comodel == "res.partner" and pointed & a_partners:
                        leaks.append((name, row["id"], fname, "A's commercial partner"))
                    if MARKER in str(value).lower():
                        leaks.append((name, row["id"], fname, "names A"))
        return leaks

    def _secrets_in(self, seen):
        return [(name, row["id"], fname) for name, rows in seen.items() for row in rows
                for fname, value in row.items() if any(s in str(value) for s in self.secrets)]

    # ------------------------------------------------------------------
    # tests
    # ------------------------------------------------------------------
    def test_other_customer_reads_nothing_of_a(self):
        # the set-up made what the issue lists, and more
        for name in ("saas.instance", "contract.contract", "contract.line", "account.move",
                     "account.payment", "payment.transaction", "payment.token",
                     "ir.attachment", "mail.message", "mail.followers", "res.partner",
                     "res.users", "saas.custom.domain", "saas.backup"):
            if name in self.env:
                self.assertTrue(self.a_ids.get(name), f"A has {name} records")
        models = self._readable_models(self.user_b)
        portal_rows = self.env["ir.model.access"].sudo().search([
            ("group_id", "=", self.env.ref("base.group_portal").id), ("perm_read", "=", True)])
        self.assertLessEqual({r.model_id.model for r in portal_rows if r.model_id.model
                              in self.env}, set(models), "the portal group's rows are walked")
        for name in ("contract.line", "contract.modification", "saas.instance",
                     "account.move", "payment.token", "mail.message", "res.partner"):
            self.assertIn(name, models)
        seen, refused = self._walk(self.user_b)
        self.assertTrue(seen["saas.instance"], "B reads its own instance")
        self.assertIn(self.inst_b.id, [r["id"] for r in seen["saas.instance"]])
        leaks = self._leaks_of_a(seen)
        # and the ids of A's records, asked for one by one
        for name in models:
            Model = self.env[name].with_user(self.user_b).with_context(active_test=False)
            for rid in sorted(self.a_ids.get(name, ())):
                try:
                    with self.env.cr.savepoint():
                        rows = Model.browse(rid).read(["display_name"])
                except (AccessError, MissingError):
                    continue
                leaks.append((name, rid, "read", f"{rows!r}"))
        leaky_models = sorted({leak[0] for leak in leaks})
        _logger.info("isolation: records B reads per model: %s",
                     {name: len(rows) for name, rows in seen.items()})
        _logger.info("isolation: %d models readable by a portal user walked (%d refused "
                     "search), %d records of A's in %d models; leaking: %s",
                     len(models), len(refused), sum(map(len, self.a_ids.values())),
                     len(self.a_ids), leaky_models or "none")
        self.assertFalse(leaks, "B got these of A's:\n" + "\n".join(map(str, leaks[:60])))

    def test_other_customer_rpc_contract_lines(self):
        """The call of the issue, through the real JSON-RPC route."""
        self.authenticate("h7-iso-b", "h7-iso-b-pass-123")
        rows = self.make_jsonrpc_request("/web/dataset/call_kw", {
            "model": "contract.line", "method": "search_read",
            "args": [[], ["name", "price_unit", "partner_id", "contract_id"]], "kwargs": {}})
        own = self.inst_b.contract_id.contract_line_ids
        self.assertTrue(own)
        self.assertEqual(sorted(r["id"] for r in rows), sorted(own.ids))
        self.assertNotIn(MARKER, str(rows).lower())

    def test_colleague_sees_instance_no_secret(self):
        inst = self.inst_a.with_user(self.colleague)
        self.assertFalse(inst._portal_is_trusted(), "not the owner (nor on an access list)")
        has_sso = "saas.instance.access" in self.env
        if has_sso:
            self.assertFalse(inst._sso_can_open(), "not on the access list, not the owner")
            with self.assertRaises(AccessError):
                inst._sso_login_form()
        seen, _refused = self._walk(self.colleague)
        self.assertIn(self.inst_a.id, [r["id"] for r in seen["saas.instance"]],
                      "the colleague sees the company's instance")
        self.assertEqual(self._secrets_in(seen), [], "no secret readable")
        if self.domain_a:
            # the owner does read the proof: the rule refuses the colleague only
            owner_domains = self.env["saas.custom.domain"].with_user(self.user_a).search([])
            self.assertEqual(owner_domains.read(["token"])[0]["token"], self.domain_a.token)
        # the owner is shown the proofs and the backup link on the page; the colleague not
        pages = {}
        for login, password in ((self.user_a.login, self.user_a.login + "-pass-123"),
                                (self.colleague.login, self.colleague.login + "-pass")):
            self.authenticate(login, password)
            page = self.url_open(f"/my/saas/{self.inst_a.id}")
            self.assertEqual(page.status_code, 200)
            pages[login] = page.text
        owner, colleague = pages[self.user_a.login], pages[self.colleague.login]
        self.assertIn(f"Alpha {MARKER} Co", colleague)
        for secret in self.secrets:
            self.assertNotIn(secret, colleague)
        if self.domain_a:
            self.assertIn(self.domain_a.token, owner)
        if self.backup_a:
            link = f"/my/saas/{self.inst_a.id}/backup/{self.backup_a.id}/download"
            self.assertIn(link, owner)
            self.assertNotIn(link, colleague)
            response = self.url_open(link, allow_redirects=False)
            self.assertEqual(response.status_code, 404)
            self.assertNotIn(self.backup_a.key, response.headers.get("Location", ""))
            self.authenticate(self.user_a.login, self.user_a.login + "-pass-123")
            response = self.url_open(link, allow_redirects=False)
            self.assertEqual(response.status_code, 303, "the owner gets the presigned URL")
            self.assertIn("X-Amz-Signature", response.headers["Location"])
        if self.backup_a and has_sso:
            # the one door is whom the portal trusts (with saas_sso, who may
            # open the tenant): allowed by the owner, the colleague
            # downloads; removed again, refused again
            line = self.inst_a.with_user(self.user_a)._sso_set_access(
                self.colleague.partner_id, "books")
            self.authenticate(self.colleague.login, self.colleague.login + "-pass")
            self.assertIn(link, self.url_open(f"/my/saas/{self.inst_a.id}").text)
            response = self.url_open(link, allow_redirects=False)
            self.assertEqual(response.status_code, 303)
            self.assertIn("X-Amz-Signature", response.headers["Location"])
            self.inst_a.with_user(self.user_a)._sso_remove_access(line)
            response = self.url_open(link, allow_redirects=False)
            self.assertEqual(response.status_code, 404)
            self.assertNotIn("X-Amz", response.headers.get("Location", ""))
        if self.domain_a:
            # nor can the colleague add a domain to get its proof, or act on A's
            self.authenticate(self.colleague.login, self.colleague.login + "-pass")
            csrf = self._csrf()
            domains_before = self.inst_a.custom_domain_ids
            response = self.url_open(f"/my/saas/{self.inst_a.id}/domains", data={
                "csrf_token": csrf, "domain": f"shop.{MARKER}.test"}, allow_redirects=False)
            self.assertNotIn("token", response.headers.get("Location", "").lower())
            self.assertEqual(self.inst_a.custom_domain_ids, domains_before)
            response = self.url_open(
                f"/my/saas/{self.inst_a.id}/domains/{self.domain_a.id}/remove",
                data={"csrf_token": csrf}, allow_redirects=False)
            self.assertTrue(self.domain_a.exists(), "not removed by the colleague")
        if self.domain_a and has_sso:
            # once the owner allows them to open it, they are trusted with the proofs
            self.env["saas.instance.access"].create({
                "instance_id": self.inst_a.id, "partner_id": self.colleague.partner_id.id,
                "tenant_login": "books"})
            self.assertTrue(self.inst_a.with_user(self.colleague)._portal_is_trusted())
            self.assertEqual(self.env["saas.custom.domain"].with_user(self.colleague).search([]),
                             self.domain_a.with_user(self.colleague))
