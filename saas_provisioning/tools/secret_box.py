"""Keep a secret encrypted at rest in the master database until a job uses it.

The tenant admin password chosen at signup must reach the customise job
without ever sitting in clear text in a table (instance or queue_job args).
It is encrypted with a key derived from the master's ``database.secret``.
"""
import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


def _fernet(master_secret):
    key = hashlib.sha256(("saas-secret-box:" + master_secret).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(master_secret, plain):
    return _fernet(master_secret).encrypt(plain.encode()).decode()


def open_sealed(master_secret, token):
    try:
        return _fernet(master_secret).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("sealed secret cannot be opened with this key") from exc
