from . import saas_sso_support_wizard
