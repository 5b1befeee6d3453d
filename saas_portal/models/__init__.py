from . import saas_signup_attempt
from . import saas_instance
from . import saas_instance_signup
from . import res_config_settings
from . import saas_instance_health
from . import saas_instance_trust
