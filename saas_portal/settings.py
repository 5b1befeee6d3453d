"""saas_portal's settings, declared once (saas_base/tools/settings.py).
0 switches a limit off."""
from odoo.addons.saas_base.tools.settings import BOOL, INT, Setting, declare

SETTINGS = declare(
    Setting("saas_portal.signup_verify_email", BOOL, True),
    # sign-up submissions per client address (IPv6: per /64) per window (s)
    Setting("saas_portal.signup_rate_limit", INT, 5, minimum=0),
    Setting("saas_portal.signup_rate_window", INT, 3600, minimum=1, maximum=7 * 86400),
    # availability checks per client address per window (s)
    Setting("saas_portal.check_rate_limit", INT, 30, minimum=0),
    Setting("saas_portal.check_rate_window", INT, 60, minimum=1, maximum=86400),
    # accepted sign-ups per hour, all addresses together
    Setting("saas_portal.signup_global_hourly_cap", INT, 100, minimum=0),
)
