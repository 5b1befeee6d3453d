"""Standard Webhooks signing (https://www.standardwebhooks.com), plain Python.

A secret is ``whsec_`` + base64 of 32 random bytes; the HMAC key is the
decoded part.  Signature of one message: ``v1,`` + base64 of
HMAC-SHA256(key, ``<id>.<timestamp>.<body>``).
"""
import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def generate_secret():
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret):
    """The HMAC key of a ``whsec_`` secret; ValueError when malformed."""
    if not secret or not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    try:
        return base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except ValueError as err:
        raise ValueError("the part after whsec_ is not base64") from err


def sign(secret, msg_id, timestamp, body):
    """``v1,<base64 signature>`` of ``body`` (bytes) sent as ``msg_id`` at
    ``timestamp`` (integer seconds since the epoch)."""
    if isinstance(body, str):
        body = body.encode()
    signed = f"{msg_id}.{int(timestamp)}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret, msg_id, timestamp, body):
    """The three Standard Webhooks headers plus the content type."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
        "content-type": "application/json",
    }


def secret_hint(secret):
    """What the backend shows of a secret after it was revealed once."""
    return f"{secret[:10]}…" if secret else ""
