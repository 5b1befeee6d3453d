from . import res_config_settings, saas_custom_domain, saas_custom_domain_lifecycle, saas_instance
