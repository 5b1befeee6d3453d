from . import saas_instance_update_modules
