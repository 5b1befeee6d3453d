from odoo.tests import common as _odoo_test_common

# queue_job >= 18.0.4.1.2 registers itself in odoo.tests.common.SETATTR_SOURCES,
# which Odoo 18.0 nightlies before mid-2025 do not have yet (as saas_provisioning).
if not hasattr(_odoo_test_common, "SETATTR_SOURCES"):
    _odoo_test_common.SETATTR_SOURCES = {}

from . import test_webhook  # noqa: E402
from . import test_capacity_event  # noqa: E402
