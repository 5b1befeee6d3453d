{
    "name": "SaaS Tenant",
    "summary": "Enforce the master's decisions (suspension, user and storage limits) "
    "inside a tenant",
    "version": "18.0.1.0.0",
    "category": "Tools",
    "license": "LGPL-3",
    "author": "SaaS Control Plane contributors",
    "website": "https://github.com/saas-control-plane/saas",
    # Installed in every template, so it stays as light as possible: "web" is
    # only needed to mark the login page of a suspended instance.  It must
    # never depend on a master addon (saas_base, ...).
    "depends": ["web"],
    "data": ["data/ir_actions_data.xml"],
    "assets": {
        "web.assets_backend": ["saas_tenant/static/src/storage_banner.js"],
    },
    "post_init_hook": "post_init_hook",
    "installable": True,
}
