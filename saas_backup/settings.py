"""saas_backup's settings, declared once (saas_base/tools/settings.py)."""
from odoo.addons.saas_base.tools.settings import BOOL, INT, RECORD, Setting, declare

from .lib.policy import DEFAULT_RETENTION

SETTINGS = declare(
    Setting("saas_backup.storage_id", RECORD),
    *(Setting(f"saas_backup.keep_{period}", INT, count, minimum=0, maximum=1000)
      for period, count in DEFAULT_RETENTION.items()),
    Setting("saas_backup.drill_sample", INT, 3, minimum=0, maximum=1000),
    Setting("saas_backup.require_before_terminate", BOOL, True),
    Setting("saas_backup.terminate_max_age_hours", INT, 24, minimum=1, maximum=24 * 366),
)
