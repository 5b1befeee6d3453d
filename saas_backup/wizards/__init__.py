from . import saas_backup_restore
