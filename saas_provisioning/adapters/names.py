"""Database name validation, shared by every adapter (defence in depth: the
SQL always quotes identifiers anyway, and the filestore never joins a path
with an unchecked name)."""
import re

from .errors import InvalidNameError

# Odoo's own rule (odoo.service.db.DB_NAME_RE) limited to PostgreSQL's 63 bytes
# (longer names would be silently truncated by PostgreSQL: two different
# names could then hit the same database).
DB_NAME_RE = re.compile(r"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}\Z")


def check_db_name(name):
    """Return ``name`` if it is a safe database name, else raise
    InvalidNameError (a ValueError)."""
    if not isinstance(name, str) or not DB_NAME_RE.match(name) or ".." in name:
        raise InvalidNameError(f"invalid database name: {name!r}")
    return name
