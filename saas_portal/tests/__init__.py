# saas_base's tests package provides odoo.tests.common.SETATTR_SOURCES,
# which queue_job's test helpers need on this Odoo: import it first.
from odoo.addons.saas_base import tests as _saas_base_tests  # noqa: F401

from . import test_signup  # noqa: E402
from . import test_signup_email  # noqa: E402
from . import test_hostile  # noqa: E402
from . import test_portal_access  # noqa: E402
from . import test_browser  # noqa: E402
from . import test_signup_abuse  # noqa: E402
