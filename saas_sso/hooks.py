def post_init_hook(env):
    # A key from the start, so that instances provisioned right after the
    # install already receive a public key.
    env["saas.sso.key"].sudo()._ensure_key()
