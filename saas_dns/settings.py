"""saas_dns's settings, declared once (saas_base/tools/settings.py)."""
from odoo.addons.saas_base.tools.settings import BOOL, CHAR, INT, SELECTION, Setting, declare

from .providers import KINDS

SETTINGS = declare(
    Setting("saas_dns.provider", SELECTION, "none", choices=("none", *KINDS)),
    Setting("saas_dns.zone", CHAR),
    Setting("saas_dns.target", CHAR),
    Setting("saas_dns.wildcard", BOOL, False),
    Setting("saas_dns.ttl", INT, 300, minimum=1, maximum=604800),
    Setting("saas_dns.api_url", CHAR),
    Setting("saas_dns.api_key", CHAR),
    Setting("saas_dns.access_key", CHAR),
    Setting("saas_dns.resolver", CHAR, "127.0.0.1:53"),
    Setting("saas_dns.nginx_conf", CHAR),
    Setting("saas_dns.nginx_prefix", CHAR, "/var/lib/saas-nginx"),
    Setting("saas_dns.nginx_pid", CHAR),
    Setting("saas_dns.nginx_listen", CHAR, "80"),
    Setting("saas_dns.nginx_upstream", CHAR, "127.0.0.1:8069"),
    Setting("saas_dns.nginx_bin", CHAR, "nginx"),
    Setting("saas_dns.cert_dir", CHAR),
    Setting("saas_dns.terminated_redirect_url", CHAR),
)
