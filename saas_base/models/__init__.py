from . import saas_server
from . import saas_server_capacity
from . import saas_template
from . import saas_plan
from . import saas_instance
from . import saas_events
from . import res_config_settings
from . import res_config_settings_door
