from . import saas_webhook_secret
