"""Verification of the master's single sign-on tokens, in plain Python.

The master signs a short-lived JWT (RS256, header ``kid``) for one tenant
user; this module checks it against the public keys the master wrote into
``saas_control.tenant_setting`` (key ``sso_public_keys``, JSON ``{kid: PEM}``) and
records its ``jti`` so that it works once.  Nothing here trusts the token
before its signature is checked, and only RS256 is accepted: with a
symmetric algorithm, anyone holding the public key (every tenant) could
mint tokens for every other tenant.
"""
import json
import time

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from . import limits
from .limits import contract

ALGORITHM = "RS256"
PUBLIC_KEYS = contract.SSO_PUBLIC_KEYS
ISSUER = contract.SSO_ISSUER
# Clock skew tolerated between the master and this server.
LEEWAY = 10
# A token must not live longer than this, whatever the master signed.
MAX_LIFETIME = 60
JTI_TABLE = "saas_tenant_sso_jti"
JTI_MAX_LENGTH = 255
REQUIRED_CLAIMS = ["exp", "iat", "jti", "sub", "aud", "iss"]


class SsoError(Exception):
    """A token is refused; the message is for the server log only."""


def ensure_jti_table(cr):
    cr.execute(
        f"""
        CREATE TABLE IF NOT EXISTS {JTI_TABLE} (
            jti varchar PRIMARY KEY,
            exp timestamp NOT NULL
        )
        """
    )


def unverified_subject(token):
    """The ``sub`` of a token whose signature is NOT checked yet: only used
    to find which user to check the token for (the verified ``sub`` must
    match it, see :func:`verify`)."""
    try:
        sub = jwt.decode(token, options={"verify_signature": False}).get("sub")
    except jwt.PyJWTError as exc:
        raise SsoError(f"malformed token: {exc}") from exc
    if not isinstance(sub, str) or not sub:
        raise SsoError("token without subject")
    return sub


def _public_keys(settings):
    try:
        keys = json.loads(settings.get(PUBLIC_KEYS) or "{}")
    except ValueError as exc:
        raise SsoError(f"setting {PUBLIC_KEYS} is not JSON") from exc
    if not isinstance(keys, dict):
        raise SsoError(f"setting {PUBLIC_KEYS} is not an object")
    return keys


def _load_key(pem):
    try:
        key = load_pem_public_key(pem.encode())
    except (ValueError, TypeError, AttributeError) as exc:
        raise SsoError("public key is not a PEM public key") from exc
    # Only an RSA public key: never a string that PyJWT could use as an HMAC
    # secret.
    if not isinstance(key, RSAPublicKey):
        raise SsoError("public key is not an RSA key")
    return key


def verify(settings, token, audience, now=None):
    """Check ``token`` and return its claims, or raise :class:`SsoError`.

    :param settings: the tenant's settings (``limits.read_settings(cr)``)
    :param audience: this tenant's database name
    """
    if not isinstance(token, str) or not token or len(token) > 8192:
        raise SsoError("no token")
    issuer = (settings.get(ISSUER) or "").strip()
    if not issuer:
        raise SsoError(f"setting {ISSUER} is missing: SSO is not configured")
    keys = _public_keys(settings)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise SsoError(f"malformed token: {exc}") from exc
    if header.get("alg") != ALGORITHM:
        raise SsoError(f"algorithm {header.get('alg')!r} refused")
    kid = header.get("kid")
    if not isinstance(kid, str) or kid not in keys:
        raise SsoError(f"unknown key id {kid!r}")
    key = _load_key(keys[kid])
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY,
            options={"require": REQUIRED_CLAIMS, "strict_aud": True},
        )
    except jwt.PyJWTError as exc:
        raise SsoError(f"{type(exc).__name__}: {exc}") from exc
    exp, iat, jti = claims["exp"], claims["iat"], claims["jti"]
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in (exp, iat)):
        raise SsoError("exp/iat are not integers")
    if exp - iat > MAX_LIFETIME:
        raise SsoError(f"token lifetime {exp - iat}s exceeds {MAX_LIFETIME}s")
    # PyJWT checks iat against the future too, but keep it explicit.
    now = int(time.time()) if now is None else now
    if iat > now + LEEWAY:
        raise SsoError("token issued in the future")
    if not isinstance(jti, str) or not jti or len(jti) > JTI_MAX_LENGTH:
        raise SsoError("invalid jti")
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise SsoError("invalid sub")
    return claims


def burn_jti(cr, jti, exp):
    """Record ``jti``; raise :class:`SsoError` if it was seen before.

    The primary key makes this atomic: of two concurrent requests with the
    same token, the second waits for the first to commit and then inserts
    nothing.  Rows are kept until their token could no longer pass the
    expiry check, then purged.
    """
    cr.execute(
        f"DELETE FROM {JTI_TABLE} WHERE exp < (now() AT TIME ZONE 'UTC') - %s * interval '1 second'",
        [LEEWAY + 1],
    )
    cr.execute(
        f"""
        INSERT INTO {JTI_TABLE} (jti, exp)
        VALUES (%s, to_timestamp(%s) AT TIME ZONE 'UTC')
        ON CONFLICT (jti) DO NOTHING
        """,
        [jti, exp],
    )
    if cr.rowcount != 1:
        raise SsoError(f"replayed token (jti {jti})")


def check(cr, token, login):
    """Full check for a login of ``login`` in the database of ``cr``:
    settings, signature and claims, subject, suspension, single use."""
    settings = limits.read_settings(cr)
    if limits.is_suspended(settings):
        raise SsoError("instance is suspended")
    claims = verify(settings, token, audience=cr.dbname)
    if claims["sub"] != login:
        raise SsoError(f"subject {claims['sub']!r} does not match login {login!r}")
    burn_jti(cr, claims["jti"], claims["exp"])
    return claims
