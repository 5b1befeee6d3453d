from . import saas_sso_key
from . import saas_instance
from . import saas_instance_access
from . import saas_instance_log
from . import res_config_settings
