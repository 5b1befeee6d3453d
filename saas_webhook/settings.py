"""saas_webhook's settings, declared once (saas_base/tools/settings.py)."""
from odoo.addons.saas_base.tools.settings import BOOL, INT, Setting, declare

SETTINGS = declare(
    Setting("saas_webhook.allow_private_urls", BOOL, False),
    Setting("saas_webhook.timeout_seconds", INT, 10, minimum=1, maximum=300),
    Setting("saas_webhook.retry_base_seconds", INT, 30, minimum=1, maximum=86400),
    Setting("saas_webhook.retry_cap_seconds", INT, 21600, minimum=1, maximum=7 * 86400),
    Setting("saas_webhook.disable_after_hours", INT, 72, minimum=1, maximum=24 * 366),
)
