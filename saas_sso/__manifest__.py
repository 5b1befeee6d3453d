{
    "name": "SaaS Single Sign-On",
    "summary": "One-click, single-use sign-in from the master into a tenant (RS256 JWT, "
    "posted, never in a URL): who may open which tenant login, logged support logins",
    "version": "18.0.1.0.0",
    "category": "SaaS",
    "license": "LGPL-3",
    "author": "SaaS Control Plane contributors",
    "website": "https://github.com/saas-control-plane/saas",
    "depends": ["saas_provisioning", "saas_portal"],
    "external_dependencies": {"python": ["PyJWT", "cryptography"]},
    "data": [
        "security/ir.model.access.csv",
        "views/saas_sso_key_views.xml",
        "views/saas_instance_views.xml",
        "views/res_config_settings_views.xml",
        "views/portal_templates.xml",
    ],
    "post_init_hook": "post_init_hook",
    "installable": True,
}
