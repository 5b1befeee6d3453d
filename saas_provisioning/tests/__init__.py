# saas_base's tests package provides odoo.tests.common.SETATTR_SOURCES,
# which queue_job's test helpers need on this Odoo: import it first.
from odoo.addons.saas_base import tests as _saas_base_tests  # noqa: F401

from . import test_pipeline  # noqa: E402
from . import test_orphans  # noqa: E402
from . import test_plan_limits  # noqa: E402
from . import test_loops  # noqa: E402
from . import test_fair  # noqa: E402
from . import test_uptime  # noqa: E402
from . import test_overview  # noqa: E402
from . import test_servers  # noqa: E402
