from odoo.tests import common as _odoo_test_common

# queue_job >= 18.0.4.1.2 registers itself in odoo.tests.common.SETATTR_SOURCES,
# which Odoo 18.0 nightlies before mid-2025 do not have yet (it only silences a
# warning about patched methods): provide it so that its test helpers import.
if not hasattr(_odoo_test_common, "SETATTR_SOURCES"):
    _odoo_test_common.SETATTR_SOURCES = {}

from . import test_invoicing  # noqa: E402
from . import test_dunning  # noqa: E402
from . import test_plan_change  # noqa: E402
from . import test_trial  # noqa: E402
from . import test_subscription  # noqa: E402
from . import test_limits  # noqa: E402
from . import test_cron_isolation  # noqa: E402
from . import test_edge_dates  # noqa: E402
from . import test_overview  # noqa: E402
from . import test_portal_billing  # noqa: E402
from . import test_browser_billing  # noqa: E402
from . import test_portal_isolation  # noqa: E402
