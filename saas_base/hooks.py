def post_init_hook(env):
    """Freeze the master's ``web.base.url`` at its current value.

    Odoo rewrites ``web.base.url`` with the request's host at every login of
    a system administrator unless ``web.base.url.freeze`` is set: an admin
    logging in through a tenant-looking (or any other) host name would
    otherwise change the URL that mails, SSO tokens and tenants are given.
    A value already set (by an administrator) is kept.
    """
    params = env["ir.config_parameter"].sudo()
    if not params.get_param("web.base.url.freeze"):
        params.set_param("web.base.url.freeze", "True")
