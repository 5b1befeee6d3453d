{
    "name": "SaaS Webhooks",
    "summary": "Lifecycle events to outside systems: Standard Webhooks "
    "signatures, outbox, queue_job delivery with backoff, log and replay, SSRF guard",
    "version": "18.0.1.1.0",
    "category": "SaaS",
    "license": "LGPL-3",
    "author": "SaaS Control Plane contributors",
    "website": "https://github.com/saas-control-plane/saas",
    "depends": ["saas_base", "queue_job", "mail"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/ir.model.access.csv",
        "data/saas_webhook_event_type_data.xml",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "views/saas_webhook_endpoint_views.xml",
        "views/saas_webhook_event_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/saas_webhook_secret_views.xml",
        "views/menus.xml",
    ],
    "installable": True,
}
