from odoo.tests import common as _odoo_test_common

# queue_job >= 18.0.4.1.2 registers itself in odoo.tests.common.SETATTR_SOURCES,
# which Odoo 18.0 nightlies before mid-2025 do not have yet (it only silences a
# warning about patched methods): provide it so that its test helpers import.
if not hasattr(_odoo_test_common, "SETATTR_SOURCES"):
    _odoo_test_common.SETATTR_SOURCES = {}

from . import test_signup  # noqa: E402
from . import test_signup_email  # noqa: E402
from . import test_hostile  # noqa: E402
from . import test_portal_access  # noqa: E402
from . import test_browser  # noqa: E402
from . import test_signup_abuse  # noqa: E402
