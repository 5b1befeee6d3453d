"""saas_billing_contract's settings, declared once (saas_base/tools/settings.py)."""
from odoo.addons.saas_base.tools.settings import BOOL, INT, INT_LIST, Setting, declare

SETTINGS = declare(
    Setting("saas_billing_contract.grace_days", INT, 14, minimum=0, maximum=365),
    Setting("saas_billing_contract.reminder_days", INT_LIST, (1, 7), minimum=0, maximum=365),
    Setting("saas_billing_contract.trial_reminder_days", INT_LIST, (1, 3, 7),
            minimum=0, maximum=365),
    Setting("saas_billing_contract.trial_retention_days", INT, 30, minimum=0, maximum=3650),
    Setting("saas_billing_contract.immediate_invoice", BOOL, False),
)
