{
    "name": "SaaS DNS and Routing",
    "summary": "Every tenant reachable at its name: DNS records, nginx, custom domains",
    "version": "18.0.1.0.0",
    "category": "SaaS",
    "license": "LGPL-3",
    "author": "SaaS Control Plane contributors",
    "website": "https://github.com/saas-control-plane/saas",
    "depends": ["saas_provisioning", "saas_portal"],
    "external_dependencies": {"python": ["dnspython", "boto3", "cloudflare", "requests"]},
    "data": [
        "security/ir.model.access.csv",
        "security/saas_dns_security.xml",
        "views/saas_custom_domain_views.xml",
        "views/res_config_settings_views.xml",
        "views/portal_templates.xml",
    ],
    "installable": True,
}
