from . import (
    res_config_settings,
    saas_backup,
    saas_backup_storage,
    saas_instance,
    saas_instance_log,
    saas_instance_schedule,
    saas_instance_protection,
)
