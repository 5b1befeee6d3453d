{
    "name": "SaaS Webhooks: payment failed",
    "summary": "Sends payment.failed webhooks when an online payment of a SaaS customer fails",
    "version": "18.0.1.0.0",
    "category": "SaaS",
    "license": "LGPL-3",
    "author": "SaaS Control Plane contributors",
    "website": "https://github.com/saas-control-plane/saas",
    "depends": ["saas_webhook", "account_payment"],
    "auto_install": True,
    "installable": True,
}
