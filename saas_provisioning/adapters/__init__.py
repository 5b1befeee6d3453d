"""Narrow doors from the master to outside systems, in plain Python.

Nothing here imports Odoo: the adapters take connection parameters and names,
and can be used (and tested) without a registry. Only relative imports, so the
package works both as ``odoo.addons.saas_provisioning.adapters`` and loaded on
its own from its folder (see tests/adapters_common.py).
"""
from .errors import (  # noqa: F401
    AdapterError,
    ConnectionsNotAllowedError,
    DatabaseExistsError,
    DatabaseInUseError,
    DatabaseNotFoundError,
    DatabaseNotOursError,
    InvalidNameError,
    ServerUnreachableError,
    TemplateBusyError,
    TemplateOutdatedError,
    TenantRefusedError,
)
from .names import check_db_name  # noqa: F401
from .pg_admin import PgAdmin  # noqa: F401
from .tenant_db import TenantDatabase, hash_password, verify_password  # noqa: F401
from .tenant_login import TenantLogin  # noqa: F401
from .filestore import Filestore  # noqa: F401
from . import watchdog  # noqa: F401
