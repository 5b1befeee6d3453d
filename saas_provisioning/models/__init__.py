from . import saas_server
from . import saas_template
from . import saas_instance_log
from . import saas_instance_usage
from . import saas_instance
from . import saas_orphan_database
from . import saas_pool_database
from . import res_config_settings
