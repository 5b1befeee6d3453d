import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import odoo.http
from odoo.exceptions import AccessDenied
from odoo.tests import HttpCase, get_db_name, new_test_user, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME, Opener

from odoo.addons.saas_tenant import sso

from .common import master_clear, master_write

KID = "h6-key-1"
ISSUER = "https://master.example.com"
REFUSED = "Sign-in refused"


def _rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_pem(key):
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(header, claims):
    return (_b64(json.dumps(header).encode()) + "."
            + _b64(json.dumps(claims).encode()))


@tagged("post_install", "-at_install")
class TestSso(HttpCase):
    """The tenant side of the master's single sign-on, with no master: the
    test plays the master (its own RSA key, settings written over SQL) and
    uses the test database's name as the audience."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = _rsa_key()
        cls.other_key = _rsa_key()
        cls.public_pem = _public_pem(cls.key)
        cls.db = get_db_name()
        master_clear(cls.env.cr)
        master_write(cls.env.cr, suspended="0",
                     sso_public_keys=json.dumps({KID: cls.public_pem}),
                     sso_issuer=ISSUER)
        cls.user = new_test_user(cls.env, login="h6_sso_user", groups="base.group_user",
                                 password="h6_sso_user_pw1")
        cls.other = new_test_user(cls.env, login="h6_sso_other", groups="base.group_user")
        cls.inactive = new_test_user(cls.env, login="h6_sso_inactive", groups="base.group_user")
        cls.inactive.active = False
        cls.portal = new_test_user(cls.env, login="h6_sso_portal", groups="base.group_portal")

    def setUp(self):
        super().setUp()
        # Every refusal counts as a login failure from 127.0.0.1; Odoo's
        # brute-force cooldown would otherwise refuse the later tests.
        self.registry._login_failures = None

    # -- helpers -----------------------------------------------------------------

    def _claims(self, **overrides):
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": self.db, "sub": self.user.login,
                  "iat": now, "exp": now + 30, "jti": uuid.uuid4().hex}
        claims.update(overrides)
        return {key: value for key, value in claims.items() if value is not None}

    def _token(self, key=None, kid=KID, **overrides):
        headers = {"kid": kid} if kid else {}
        return jwt.encode(self._claims(**overrides), key or self.key, algorithm="RS256",
                          headers=headers)

    def _fresh_opener(self):
        self.opener = Opener(self.cr)
        self.opener.cookies[TEST_CURSOR_COOKIE_NAME] = self.canonical_tag

    def _get(self, token):
        # the master's page submits a form: the token is in the body
        return self.url_open("/saas_sso/login", data={"token": token}, allow_redirects=False)

    def _session_uid(self):
        sid = self.opener.cookies.get("session_id")
        if not sid:
            return None
        return odoo.http.root.session_store.get(sid).uid

    def assertRefused(self, token, status=403):
        self._fresh_opener()
        response = self._get(token)
        self.assertEqual(response.status_code, status, response.text[:300])
        if status == 403:
            self.assertIn(REFUSED, response.text)
        self.assertNotIn("Location", response.headers)
        self.assertIsNone(self._session_uid(), "no session may be opened")
        if status == 403:
            # and the web client does not know us: sent to the login form
            self.assertEqual(self.url_open("/odoo", allow_redirects=False).status_code, 303)
        return response

    # -- accepted ------------------------------------------------------------------

    def test_login_opens_session_and_redirects(self):
        self._fresh_opener()
        response = self._get(self._token())
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/odoo"), response.headers)
        self.assertEqual(self._session_uid(), self.user.id)
        info = self.make_jsonrpc_request("/web/session/get_session_info")
        self.assertEqual(info["uid"], self.user.id)
        self.assertEqual(self.url_open("/odoo", allow_redirects=False).status_code, 200)

    def test_replayed_token(self):
        token = self._token()
        self._fresh_opener()
        self.assertEqual(self._get(token).status_code, 303)
        self.assertEqual(self._session_uid(), self.user.id)
        with self.assertLogs("odoo.addons.saas_tenant", "WARNING") as logs:
            self.assertRefused(token)
        self.assertIn("replayed token", "\n".join(logs.output))

    # -- refused -------------------------------------------------------------------

    def test_expired(self):
        now = int(time.time())
        self.assertRefused(self._token(iat=now - 80, exp=now - sso.LEEWAY - 20))

    def test_within_leeway_accepted(self):
        now = int(time.time())
        self._fresh_opener()
        self.assertEqual(self._get(self._token(iat=now - 40, exp=now - 3)).status_code, 303)

    def test_alg_none(self):
        unsigned = _segments({"alg": "none", "typ": "JWT", "kid": KID}, self._claims()) + "."
        self.assertRefused(unsigned)
        # "none" spelled otherwise, with a signature part
        self.assertRefused(_segments({"alg": "None", "kid": KID}, self._claims()) + ".c2ln")

    def test_hs256_with_public_key_as_secret(self):
        signing_input = _segments({"alg": "HS256", "typ": "JWT", "kid": KID}, self._claims())
        signature = hmac.new(self.public_pem.encode(), signing_input.encode(),
                             hashlib.sha256).digest()
        self.assertRefused(signing_input + "." + _b64(signature))

    def test_wrong_audience(self):
        self.assertRefused(self._token(aud="saas_t_someone_else"))
        self.assertRefused(self._token(aud=[self.db, "saas_t_someone_else"]))
        self.assertRefused(self._token(aud=None))

    def test_wrong_issuer(self):
        self.assertRefused(self._token(iss="https://evil.example.com"))

    def test_tampered_sub(self):
        token = self._token()
        header, _payload, signature = token.split(".")
        claims = jwt.decode(token, options={"verify_signature": False})
        claims["sub"] = self.other.login
        forged = f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
        self.assertRefused(forged)

    def test_signed_by_another_key(self):
        self.assertRefused(self._token(key=self.other_key))

    def test_unknown_or_missing_kid(self):
        self.assertRefused(self._token(kid="h6-unknown"))
        self.assertRefused(self._token(kid=None))

    def test_lifetime_too_long(self):
        now = int(time.time())
        self.assertRefused(self._token(iat=now, exp=now + sso.MAX_LIFETIME + 60))

    def test_missing_claims(self):
        for claim in ("jti", "iat", "exp", "sub"):
            self.assertRefused(self._token(**{claim: None}))

    def test_issued_in_future(self):
        now = int(time.time())
        self.assertRefused(self._token(iat=now + 120, exp=now + 150))

    def test_no_or_garbage_token(self):
        self._fresh_opener()
        response = self.url_open("/saas_sso/login", data={"token": ""}, allow_redirects=False)
        self.assertEqual(response.status_code, 403)
        self.assertIsNone(self._session_uid())
        self.assertRefused("not.a.token")

    def test_token_in_url_refused(self):
        """A token in a URL (logs, history) is never accepted, even valid."""
        self._fresh_opener()
        response = self.url_open(f"/saas_sso/login?token={self._token()}",
                                 allow_redirects=False)
        self.assertEqual(response.status_code, 405)
        self.assertIsNone(self._session_uid())

    def test_suspended(self):
        master_write(self.env.cr, suspended="1")
        # saas_tenant answers its suspended page before the route runs
        response = self.assertRefused(self._token(), status=503)
        self.assertIn("This instance is suspended", response.text)
        # and the credential check refuses on its own too
        credential = {"type": "saas_sso", "login": self.user.login, "token": self._token()}
        with self.assertRaises(AccessDenied):
            self.registry["res.users"].authenticate(self.db, credential, {"interactive": True})
        master_write(self.env.cr, suspended="0")
        self._fresh_opener()
        self.assertEqual(self._get(self._token()).status_code, 303)

    def test_users_refused(self):
        self.assertRefused(self._token(sub=self.inactive.login))
        self.assertRefused(self._token(sub="h6_nobody"))
        self.assertRefused(self._token(sub=self.portal.login))

    def test_not_configured(self):
        self.env.cr.execute("DELETE FROM saas_control.tenant_setting WHERE key = 'sso_issuer'")
        self.assertRefused(self._token())
        master_write(self.env.cr, sso_issuer=ISSUER, sso_public_keys="{not json")
        self.assertRefused(self._token())

    def test_rpc_cannot_use_sso_credential(self):
        credential = {"type": "saas_sso", "login": self.user.login, "token": self._token()}
        with self.assertRaises(AccessDenied):
            self.registry["res.users"].authenticate(self.db, credential, {"interactive": False})

    def test_password_login_unchanged(self):
        res = self.registry["res.users"].authenticate(
            self.db, {"type": "password", "login": self.user.login, "password": "h6_sso_user_pw1"},
            {"interactive": False})
        self.assertEqual(res["uid"], self.user.id)
