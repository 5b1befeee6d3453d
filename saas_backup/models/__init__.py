from . import (
    res_config_settings,
    saas_backup,
    saas_backup_storage,
    saas_instance,
    saas_instance_restore,
    saas_instance_log,
    saas_instance_schedule,
    saas_instance_protection,
)
from . import saas_overview
from . import saas_instance_alert
