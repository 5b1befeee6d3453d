"""Hash tenant admin passwords beside the pipeline, in threads of this process.

Odoo stores ``$pbkdf2-sha512$600000$...``: about half a second of CPU a
password, longer than a clone.  The hash starts when provisioning is
requested and runs while the database is cloned and customised; the
customise step takes it if it is ready (``ready``) and otherwise writes no
password at all (nobody can log in), and the end of the pipeline waits for
it (``take``).  A process that did not start the hash (a restart, another
worker) computes it itself.

Plain Python, one concern: no Odoo import, tested without a registry.
A hash is identified by a ``key`` (whose pipeline: database and instance)
and a ``token`` (what is hashed: the sealed password; a new one replaces
the old); ``compute`` is the zero-argument function that hashes it.
"""
import threading


class PasswordHashers:
    def __init__(self):
        self._pending = {}  # key -> _Hasher
        self._lock = threading.Lock()

    def start(self, key, token, compute):
        """Start hashing for ``key`` (no-op if ``token`` is on its way)."""
        with self._lock:
            pending = self._pending.get(key)
            if pending and pending.token == token:
                return
            hasher = self._pending[key] = _Hasher(token, compute)
        hasher.start()

    def ready(self, key, token):
        """The hash if it is computed already, else None; never waits.  A
        hash returned is forgotten here."""
        with self._lock:
            hasher = self._pending.get(key)
            if not (hasher and hasher.token == token and hasher.result
                    and not hasher.is_alive()):
                return None
            del self._pending[key]
        return hasher.result

    def take(self, key, token, compute):
        """The hash of ``token``: the one started here (waiting for it), or
        ``compute()`` now.  Forgets ``key``."""
        with self._lock:
            hasher = self._pending.pop(key, None)
        if hasher and hasher.token == token:
            hasher.join()
            if hasher.result:
                return hasher.result
        return compute()

    def pending(self):
        with self._lock:
            return len(self._pending)


class _Hasher(threading.Thread):
    def __init__(self, token, compute):
        super().__init__(daemon=True, name="saas-password-hash")
        self.token, self.compute, self.result = token, compute, None

    def run(self):
        # PBKDF2 in hashlib releases the GIL: this runs on another core
        # while the pipeline clones and loads the registry.  On a failure
        # the result stays None and take() computes again, in the pipeline,
        # where the error is reported.
        try:
            self.result = self.compute()
        except Exception:  # noqa: BLE001
            self.result = None
