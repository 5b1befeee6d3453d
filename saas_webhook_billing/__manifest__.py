{
    "name": "SaaS Webhooks: billing",
    "summary": "Sends subscription, plan change and invoice webhooks of SaaS instances",
    "version": "18.0.1.0.0",
    "category": "SaaS",
    "license": "LGPL-3",
    "author": "SaaS Control Plane contributors",
    "website": "https://github.com/saas-control-plane/saas",
    "depends": ["saas_webhook", "saas_billing_contract"],
    "data": ["data/saas_webhook_event_type_data.xml"],
    "auto_install": True,
    "installable": True,
}
