"""saas_provisioning's settings, declared once (saas_base/tools/settings.py)."""
from odoo.addons.saas_base.tools.settings import INT, Setting, declare

SETTINGS = declare(
    # warm clones kept per template in use (each a database and a registry)
    Setting("saas_provisioning.pool_size", INT, 0, minimum=0, maximum=50),
)
