{
    "name": "SaaS Webhooks: releases",
    "summary": "Sends instance.updated and instance.update_failed webhooks for promotions",
    "version": "18.0.1.0.0",
    "category": "SaaS",
    "license": "LGPL-3",
    "author": "SaaS Control Plane contributors",
    "website": "https://github.com/saas-control-plane/saas",
    "depends": ["saas_webhook", "saas_release"],
    "auto_install": True,
    "installable": True,
}
