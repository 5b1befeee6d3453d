from . import saas_instance
