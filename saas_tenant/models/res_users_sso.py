import logging

from odoo import models
from odoo.exceptions import AccessDenied

from .. import sso

_logger = logging.getLogger(__name__)

# Credential type of a login through the master's single sign-on
# (controllers/sso.py): {"type": "saas_sso", "login": ..., "token": ...}.
CREDENTIAL_TYPE = "saas_sso"


class ResUsers(models.Model):
    _inherit = "res.users"

    def init(self):
        super().init()
        sso.ensure_jti_table(self.env.cr)

    def _register_hook(self):
        super()._register_hook()
        # Tenants cloned from a template built before this table existed.
        sso.ensure_jti_table(self.env.cr)

    def _check_credentials(self, credential, env):
        # Same pattern as auth_passkey's "webauthn" credential: a credential
        # type of our own, handled here without calling super() (which only
        # knows passwords), so that Odoo's own login path (_login: user
        # lookup, brute-force throttling, login date, session finalisation,
        # MFA) is used unchanged.  The token itself is the proof: it is
        # verified here, never trusted from the caller.
        if credential.get("type") != CREDENTIAL_TYPE:
            return super()._check_credentials(credential, env)
        user = self.env.user
        if not (env or {}).get("interactive", True):
            # RPC (xmlrpc/jsonrpc "common.login") only knows passwords and
            # API keys: a browser redirect is the only way in.
            raise AccessDenied()
        if not user.active or user.share:
            _logger.warning("SSO refused: user %s is not an active internal user", user.login)
            raise AccessDenied()
        try:
            sso.check(self.env.cr, credential.get("token"), user.login)
        except sso.SsoError as exc:
            _logger.warning("SSO refused for login %s: %s", user.login, exc)
            raise AccessDenied() from None
        return {
            "uid": user.id,
            "auth_method": CREDENTIAL_TYPE,
            # The master authenticated the person; a second factor the
            # tenant user configured here is still asked for.
            "mfa": "default",
        }
