"""saas_base's settings, declared once (see tools/settings.py).

The base domain is not one of them: it is ``[saas_router] base_domain`` in
odoo.conf, the router's and everyone's (tools/settings.py base_domain())."""
from .tools.settings import RECORD, SELECTION, CHAR, INT, Setting, declare

SETTINGS = declare(
    Setting("saas_base.url_scheme", SELECTION, "http", choices=("http", "https")),
    Setting("saas_base.url_port", INT, 0, minimum=0, maximum=65535),
    Setting("saas_base.reserved_subdomains", CHAR),
    Setting("saas_base.default_server_id", RECORD),
    Setting("saas_base.default_plan_id", RECORD),
)
