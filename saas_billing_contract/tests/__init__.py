# saas_base's tests package provides odoo.tests.common.SETATTR_SOURCES,
# which queue_job's test helpers need on this Odoo: import it first.
from odoo.addons.saas_base import tests as _saas_base_tests  # noqa: F401

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
