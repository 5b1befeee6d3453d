from odoo.addons.saas_provisioning import tests as _provisioning_tests  # noqa: F401

from . import test_billing_events  # noqa: E402
