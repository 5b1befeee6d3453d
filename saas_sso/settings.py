"""saas_sso's settings, declared once (saas_base/tools/settings.py)."""
from odoo.addons.saas_base.tools.settings import CHAR, Setting, declare

SETTINGS = declare(
    # the tokens' issuer (iss), fixed at install (hooks.set_issuer); empty:
    # the master's web.base.url
    Setting("saas_sso.issuer", CHAR),
)
