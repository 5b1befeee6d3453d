# saas_base's tests package provides odoo.tests.common.SETATTR_SOURCES,
# which queue_job's test helpers need on this Odoo: import it first.
from odoo.addons.saas_base import tests as _saas_base_tests  # noqa: F401

from . import test_sso  # noqa: E402
from . import test_sso_tenant  # noqa: E402
from . import test_issuer  # noqa: E402
from . import test_push_isolation  # noqa: E402
from . import test_portal_open  # noqa: E402
