{
    "name": "SaaS Webhooks: backup failed",
    "summary": "Sends backup.failed webhooks when a tenant's backup or restore drill fails",
    "version": "18.0.1.0.0",
    "category": "SaaS",
    "license": "LGPL-3",
    "author": "SaaS Control Plane contributors",
    "website": "https://github.com/saas-control-plane/saas",
    "depends": ["saas_webhook", "saas_backup"],
    "auto_install": True,
    "installable": True,
}
