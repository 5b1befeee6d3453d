from odoo.tests import common as _odoo_test_common

# queue_job >= 18.0.4.1.2 registers itself in odoo.tests.common.SETATTR_SOURCES,
# which Odoo 18.0 nightlies before mid-2025 do not have yet (it only silences a
# warning about patched methods): provide it so that its test helpers import.
# Here, once: every other addon's tests package imports this one first.
if not hasattr(_odoo_test_common, "SETATTR_SOURCES"):
    _odoo_test_common.SETATTR_SOURCES = {}

from . import test_subdomain  # noqa: E402
from . import test_instance_subdomain  # noqa: E402
from . import test_state_machine  # noqa: E402
from . import test_server  # noqa: E402
from . import test_template_plan  # noqa: E402
from . import test_security  # noqa: E402
from . import test_concurrency  # noqa: E402
from . import test_views  # noqa: E402
from . import test_state_guard  # noqa: E402
from . import test_base_url  # noqa: E402
from . import test_settings_door  # noqa: E402
from . import test_settings_roundtrip  # noqa: E402
from . import test_overview  # noqa: E402
from . import test_overview_tour  # noqa: E402
