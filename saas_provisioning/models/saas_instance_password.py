"""The tenant administrator's password: sealed at the request, hashed
beside the pipeline (tools/password_hasher.py), written before activation."""
from odoo import models

from ..adapters.tenant_db import hash_password
from ..tools import secret_box
from ..tools.password_hasher import PasswordHashers

# admin password hashes under way in this process (tools/password_hasher.py)
_PASSWORD_HASHERS = PasswordHashers()
# A sealed admin password that is already Odoo's hash of it starts with this
# (a NUL: no password typed in Odoo holds one).
SEALED_HASH_MARK = "\x00odoo-hash\x00"


def _marked_hash(value):
    return value[len(SEALED_HASH_MARK):] if value.startswith(SEALED_HASH_MARK) else None


def _hash_in_sealed(secret, sealed):
    """The hash a sealed admin password holds when it was sealed hashed."""
    return _marked_hash(secret_box.open_sealed(secret, sealed))


def _hash_of_sealed(secret, sealed):
    value = secret_box.open_sealed(secret, sealed)
    return _marked_hash(value) or hash_password(value)


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _password_hash_job(self):
        """(key, sealed password, function hashing it) for the hashers."""
        sealed = self.sudo().admin_password_sealed
        secret = self._master_secret()
        return ((self.env.cr.dbname, self.id), sealed,
                lambda: _hash_of_sealed(secret, sealed))

    def _start_password_hash(self):
        key, sealed, compute = self._password_hash_job()
        if sealed and not _hash_in_sealed(self._master_secret(), sealed):
            _PASSWORD_HASHERS.start(key, sealed, compute)

    def _admin_password_hash(self, wait=True):
        """The hash of the sealed admin password (None when there is none);
        with ``wait=False``, None unless this process has it ready."""
        key, sealed, compute = self._password_hash_job()
        if not sealed:
            return None
        hashed = _hash_in_sealed(self._master_secret(), sealed)
        if hashed:
            return hashed
        if not wait:
            return _PASSWORD_HASHERS.ready(key, sealed)
        return _PASSWORD_HASHERS.take(key, sealed, compute)

    def _write_admin_password(self, password_hash):
        """The sealed password's hash is in the tenant: forget the seal.
        Before activation nobody has a session on the tenant, so the caches
        that verify just filled stay (the customer's first page is warm)."""
        self._tenant_db().set_admin_password(password_hash, signal_caches=False)
        self.sudo().admin_password_sealed = False
