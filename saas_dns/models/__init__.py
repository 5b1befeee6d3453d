from . import res_config_settings, saas_custom_domain, saas_instance
