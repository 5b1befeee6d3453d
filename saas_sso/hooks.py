from odoo.addons.saas_base.tools import settings


def post_init_hook(env):
    # A key from the start, so that instances provisioned right after the
    # install already receive a public key.
    env["saas.sso.key"].sudo()._ensure_key()
    set_issuer(env)


def set_issuer(env):
    """Fix the tokens' issuer (``saas_sso.issuer``) at install: the master's
    ``web.base.url`` of that moment, unless an issuer is already set.  Tenants
    check it, so it must never follow later changes of ``web.base.url``."""
    params = env["ir.config_parameter"].sudo()
    if not settings.get(env, "saas_sso.issuer"):
        base_url = params.get_param("web.base.url")
        if base_url:
            settings.store(params, settings.declared("saas_sso.issuer"), base_url)
