"""Errors of the adapters: one small hierarchy, so that callers (jobs, wizards)
can tell "try again later" (busy, unreachable) from "this will never work"."""


class AdapterError(Exception):
    """Base of every error raised on purpose by the adapters."""


class InvalidNameError(AdapterError, ValueError):
    """A database (or filestore) name that is refused before reaching any
    system. A ValueError too, so generic validation code catches it."""


class ServerUnreachableError(AdapterError):
    """No usable connection to the PostgreSQL server (down, refused, timeout,
    authentication failed, connection lost). Usually worth a retry."""


class DatabaseNotFoundError(AdapterError):
    """The database (or the template to copy) does not exist."""


class DatabaseExistsError(AdapterError):
    """CREATE DATABASE / RENAME to a name that is taken (SQLSTATE 42P04)."""


class DatabaseInUseError(AdapterError):
    """PostgreSQL refused because other sessions use the database
    (SQLSTATE 55006 object_in_use), e.g. on RENAME."""


class TemplateBusyError(DatabaseInUseError):
    """CREATE DATABASE ... TEMPLATE failed because the template has other
    sessions. Retry later, or terminate them, or keep the template's
    ALLOW_CONNECTIONS off (a template needs no connection to be copied)."""


class ConnectionsNotAllowedError(AdapterError):
    """The database exists but has ALLOW_CONNECTIONS false."""


class DatabaseNotOursError(AdapterError):
    """A database exists under a name we were about to create, and it does
    not carry the mark of our own earlier try (owned by the tenant's role):
    it was made by someone else and must never be adopted. Not retryable."""


class TemplateOutdatedError(AdapterError):
    """A clone's objects do not all belong to its tenant's role after the
    hand-over: its template was built before templates had an objects owner
    (or by hand). Rebuild the template. Not retryable."""


class TenantRefusedError(AdapterError):
    """A statement we ran logged in as a tenant's role failed inside its
    database (an object of the tenant's raised, a privilege it revoked from
    itself, a table it dropped): that tenant's operation fails with this
    message, nobody else's."""


class OdooCliError(Exception):
    """An Odoo command line run on a database failed (tools/odoo_cli.py);
    not an AdapterError: the callers judge it on its own (pipeline.py)."""
