from . import saas_webhook_event_type
from . import saas_webhook_endpoint
from . import saas_webhook_event
from . import saas_webhook_delivery
from . import saas_webhook_attempt
from . import saas_instance
from . import res_config_settings
