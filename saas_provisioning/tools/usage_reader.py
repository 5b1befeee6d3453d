"""Reading many tenants at once, for the usage sweep.

What a tenant read costs is mostly waiting on PostgreSQL (a login with SCRAM,
a backend start, two short queries): a few run at a time, in threads, and
each tenant's outcome (its figures, or the error that refused them) comes
back on its own, so that one tenant never stops the others.  Plain Python:
the caller hands plain objects (no ORM record crosses a thread).
"""
import concurrent.futures
import contextlib

# tenants read at once: bounded, so that a sweep over thousands of tenants
# never opens more than this many connections (as crons.SCHEDULE_READERS)
READERS = 6


class TenantUsage:
    """One tenant to read: its door (TenantDatabase), its login
    (TenantLogin, when a window is needed: not served), its filestore
    (Filestore) and the settings to ship once read
    (``settings(filestore_bytes)`` -> dict, or None: nothing to ship)."""

    __slots__ = ("key", "door", "login", "dbname", "files", "settings")

    def __init__(self, key, door, login, dbname, files, settings):
        self.key, self.door, self.login = key, door, login
        self.dbname, self.files, self.settings = dbname, files, settings

    def read(self):
        """(users, module states, filestore bytes, settings error or None)."""
        with self.login.window() if self.login else contextlib.nullcontext():
            users, module_states = self.door.read_usage()
        filestore_bytes = self.files.size_bytes(self.dbname)
        try:
            settings = self.settings(filestore_bytes)
            if settings:
                self.door.write_settings(settings)
            shipped = None
        except Exception as exc:  # noqa: BLE001 (reported with the figures)
            shipped = exc
        return users, module_states, filestore_bytes, shipped


def read_all(tenants, readers=READERS):
    """{key: (figures, None) or (None, error)} for each TenantUsage."""
    def one(tenant):
        try:
            return tenant.key, (tenant.read(), None)
        except Exception as exc:  # noqa: BLE001 (this tenant only)
            return tenant.key, (None, exc)

    if len(tenants) <= 1:
        return dict(one(t) for t in tenants)
    with concurrent.futures.ThreadPoolExecutor(max_workers=readers) as pool:
        return dict(pool.map(one, tenants))
