{
    "name": "SaaS Customer Portal",
    "summary": "Public signup with live subdomain check, provisioning progress page and "
    "/my/saas: instances, usage against limits, health; a page other addons extend",
    "version": "18.0.1.1.0",
    "category": "SaaS",
    "license": "LGPL-3",
    "author": "SaaS Control Plane contributors",
    "website": "https://github.com/saas-control-plane/saas",
    "depends": [
        "saas_provisioning",
        "portal",
        "auth_signup",
    ],
    "data": [
        "security/ir.model.access.csv",
        "security/portal_security.xml",
        "data/ir_config_parameter.xml",
        "data/ir_cron.xml",
        "data/mail_template.xml",
        "views/signup_templates.xml",
        "views/portal_templates.xml",
        "views/portal_health_templates.xml",
        "views/saas_instance_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "assets": {
        # the pages' script runs as soon as they are parsed (see its header)
        "web.assets_frontend_minimal": [
            "saas_portal/static/src/js/saas_portal.js",
        ],
        "web.assets_frontend": [
            "saas_portal/static/src/scss/saas_portal.scss",
        ],
        # assets_frontend includes the minimal bundle: not twice (as website does)
        "web.assets_frontend_lazy": [
            ("remove", "saas_portal/static/src/js/saas_portal.js"),
        ],
        "web.assets_tests": [
            "saas_portal/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
