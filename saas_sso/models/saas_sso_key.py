import json
import logging
import secrets
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.saas_base.tools import settings
from odoo.addons.saas_router import tenant_contract as contract

_logger = logging.getLogger(__name__)

# Pinned on both sides (saas_tenant/sso.py): an asymmetric algorithm, so that
# the public key every tenant holds cannot sign tokens for other tenants.
ALGORITHM = "RS256"
KEY_SIZE = 2048
# Lifetime of a token; the tenant refuses anything above 60 s.
TOKEN_TTL = 30


class SaasSsoKey(models.Model):
    _name = "saas.sso.key"
    _description = "SaaS SSO Signing Key"
    _order = "create_date desc, id desc"
    _rec_name = "kid"

    kid = fields.Char(
        string="Key ID", required=True, readonly=True, copy=False,
        default=lambda self: self._new_kid(),
        help="Sent in the token header; tenants pick the public key by it.")
    private_key = fields.Text(
        readonly=True, copy=False, groups="base.group_system",
        help="PEM (PKCS#8) RSA private key; never leaves the master.")
    public_key = fields.Text(readonly=True, copy=False, help="PEM public key pushed to tenants.")
    state = fields.Selection(
        [("active", "Active"), ("retiring", "Retiring"), ("retired", "Retired")],
        required=True, default="active", readonly=True, copy=False,
        help="Active: signs tokens (the newest one) and is trusted by tenants. "
             "Retiring: no longer signs, still trusted. Retired: trusted no more.")
    retiring_date = fields.Datetime(readonly=True, copy=False)
    retired_date = fields.Datetime(readonly=True, copy=False)

    _sql_constraints = [("kid_unique", "UNIQUE(kid)", "The key ID must be unique.")]

    @api.model
    def _new_kid(self):
        return f"{time.strftime('%Y%m%d')}-{secrets.token_hex(4)}"

    @api.model
    def _generate_pem(self):
        key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
        private_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        return private_pem, public_pem

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # Keys are generated here, never typed or imported: the private
            # half exists only in this database.
            vals["private_key"], vals["public_key"] = self._generate_pem()
            vals["state"] = "active"
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # what signers and tenants use
    # ------------------------------------------------------------------
    @api.model
    def _ensure_key(self):
        """The newest active key, created if there is none."""
        key = self.sudo().search([("state", "=", "active")], limit=1)
        return key or self.sudo().create({})

    @api.model
    def _signing_key(self):
        key = self.sudo().search([("state", "=", "active")], limit=1)
        if not key:
            raise UserError(_("There is no active single sign-on key: create one first."))
        return key

    @api.model
    def _public_keys(self):
        """{kid: PEM} of every key tenants must trust (active and retiring)."""
        keys = self.sudo().search([("state", "in", ("active", "retiring"))])
        return {key.kid: key.public_key for key in keys}

    @api.model
    def _issuer(self):
        return (settings.get(self.env, "saas_sso.issuer")
                or self.env["ir.config_parameter"].sudo().get_param("web.base.url", ""))

    @api.model
    def _tenant_settings(self):
        return {
            contract.SSO_PUBLIC_KEYS: json.dumps(self._public_keys(), sort_keys=True),
            contract.SSO_ISSUER: self._issuer(),
        }

    @api.model
    def _sign(self, audience, subject):
        """A token for ``subject`` in the tenant database ``audience``."""
        key = self._signing_key()
        now = int(time.time())
        claims = {
            "iss": self._issuer(),
            "aud": audience,
            "sub": subject,
            "iat": now,
            "exp": now + TOKEN_TTL,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, key.sudo().private_key, algorithm=ALGORITHM,
                          headers={"kid": key.kid})

    # ------------------------------------------------------------------
    # rotation
    # ------------------------------------------------------------------
    def _check_admin(self):
        if not (self.env.is_superuser() or self.env.user.has_group("base.group_system")):
            raise AccessError(_("Only administrators can rotate single sign-on keys."))

    @api.model
    def _push_public_keys(self):
        """Write the trusted public keys into every live tenant.

        One synchronous loop rather than one job per instance, on purpose:
        each write is a single upsert over SQL (milliseconds), and the
        rotation's transaction (which makes the new key the signing key)
        only commits after every reachable tenant already trusts it, so no
        token is ever signed by a key its tenant does not know yet.  A
        tenant that cannot be reached is reported (chatter and return value)
        and can be fixed with "Push keys to tenants" once it is back.
        """
        settings = self._tenant_settings()
        Instance = self.env["saas.instance"].sudo()
        instances = Instance.search(Instance._live_domain())

        def report(instance, message):
            instance.message_post(body=instance.env._(
                "The single sign-on keys could not be written to this instance: "
                "%(error)s. Sign-in from the portal may fail until they are "
                "pushed again.", error=message))

        # each tenant isolated: one that refuses the write stops no other
        _done, failed = instances._each_isolated(
            "sso", "push keys",
            lambda instance: instance._push_tenant_settings(settings, keys=()),
            on_failure=report)
        return instances - failed, failed

    def _notify_push(self, pushed, failed):
        if failed:
            message = _("Keys pushed to %(ok)s instance(s); %(ko)s failed: %(names)s.",
                        ok=len(pushed), ko=len(failed),
                        names=", ".join(failed.mapped("display_name")))
            kind = "warning"
        else:
            message = _("Keys pushed to %(ok)s instance(s).", ok=len(pushed))
            kind = "success"
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"message": message, "type": kind, "sticky": bool(failed),
                           "next": {"type": "ir.actions.act_window_close"}}}

    def action_rotate(self):
        """New signing key; the keys that were active keep being trusted
        (state "retiring") until they are retired.  Tokens live 30 s, so
        retiring the old key a minute later breaks nobody."""
        self._check_admin()
        old = self.sudo().search([("state", "=", "active")])
        new = self.sudo().create({})
        old.write({"state": "retiring", "retiring_date": fields.Datetime.now()})
        pushed, failed = self._push_public_keys()
        _logger.info("SSO key rotated: %s replaces %s", new.kid, ", ".join(old.mapped("kid")))
        return self._notify_push(pushed, failed)

    def action_retire(self):
        self._check_admin()
        keys = self.sudo().filtered(lambda key: key.state != "retired")
        remaining = self.sudo().search([("state", "=", "active"), ("id", "not in", keys.ids)])
        if keys.filtered(lambda key: key.state == "active") and not remaining:
            raise UserError(_("Rotate first: this is the last active key, and single "
                              "sign-on needs one."))
        keys.write({"state": "retired", "retired_date": fields.Datetime.now()})
        pushed, failed = self._push_public_keys()
        return self._notify_push(pushed, failed)

    def action_push(self):
        self._check_admin()
        pushed, failed = self._push_public_keys()
        return self._notify_push(pushed, failed)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_retired(self):
        if self.filtered(lambda key: key.state != "retired"):
            raise UserError(_("Only retired keys can be deleted."))
