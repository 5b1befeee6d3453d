"""Which PostgreSQL role each database is reached with, and its password.

Every tenant database belongs to a role of its own, named exactly like the
database (the control plane creates both, see saas_provisioning), so that a
tenant's administrator, who can run SQL in its own database through server
actions, meets PostgreSQL's privilege system and not a convention.

A tenant role's password is derived from a server secret (HMAC-SHA256 of the
role name): the master can (re)create a role and every Odoo process that
serves tenants can connect as it, with no per-tenant secret stored anywhere.
Knowing one tenant's password (a tenant can read its own connection's) says
nothing of another's or of the secret.

Plain Python apart from reading odoo.conf: tested without a registry.

Configuration (odoo.conf, ``[saas_router]``)::

    tenant_role_secret = <random, at least 32 characters>   # or the
        # environment variable SAAS_TENANT_ROLE_SECRET
    template_owner_role = saas_template_owner
"""
import base64
import hashlib
import hmac
import os
import secrets

from odoo.tools import config

DEFAULT_TEMPLATE_OWNER_ROLE = "saas_template_owner"
SECRET_ENV = "SAAS_TENANT_ROLE_SECRET"
MIN_SECRET_LENGTH = 32
# PostgreSQL's own default for scram-sha-256 verifiers
SCRAM_ITERATIONS = 4096


class MissingSecretError(RuntimeError):
    """No tenant_role_secret is configured: tenant roles cannot be created
    nor used."""


def _option(name, default=None):
    return config.misc.get("saas_router", {}).get(name, default)


def template_owner_role():
    """Role that owns the objects inside template databases and no database:
    ``REASSIGN OWNED BY`` it in a fresh clone then moves only that clone's
    objects (REASSIGN OWNED also moves the shared objects, such as databases,
    of the old owner: the master's role must never be its source)."""
    return _option("template_owner_role") or DEFAULT_TEMPLATE_OWNER_ROLE


def tenant_role_name(dbname):
    """The role of a tenant database is named like it (database names of
    tenants are generated, at most 63 bytes: valid role names too)."""
    return dbname


def role_secret():
    secret = _option("tenant_role_secret") or os.environ.get(SECRET_ENV) or ""
    if len(secret) < MIN_SECRET_LENGTH:
        raise MissingSecretError(
            "saas_router: set tenant_role_secret (at least %d characters) in the "
            "[saas_router] section of the Odoo configuration, or the environment "
            "variable %s, identical on every Odoo process that serves tenants"
            % (MIN_SECRET_LENGTH, SECRET_ENV))
    return secret


def derive_password(secret, role):
    digest = hmac.new(secret.encode(), b"saas-tenant-role:" + role.encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def tenant_role_password(role):
    return derive_password(role_secret(), role)


def scram_verifier(password, iterations=SCRAM_ITERATIONS, salt=None):
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password``.

    ``CREATE/ALTER ROLE ... PASSWORD '<verifier>'`` sets the password without
    the clear text ever reaching the server: it cannot show up in a log
    line or in pg_stat_activity.  (RFC 5802/7677; the password is ASCII here,
    so SASLprep leaves it unchanged.)
    """
    salt = salt or secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"
