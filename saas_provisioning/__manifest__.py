{
    "name": "SaaS Provisioning",
    "summary": "Tenants in seconds: template builds, crash-safe clone pipeline on queue_job, "
    "suspend/terminate, usage sweep",
    "version": "18.0.1.0.0",
    "category": "SaaS",
    "license": "LGPL-3",
    "author": "SaaS Control Plane contributors",
    "website": "https://github.com/saas-control-plane/saas",
    "depends": ["saas_base", "queue_job", "saas_router"],
    "external_dependencies": {"python": ["psycopg2", "passlib", "requests"]},
    "data": [
        "security/ir.model.access.csv",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "views/saas_instance_views.xml",
        "views/saas_template_views.xml",
        "views/saas_orphan_database_views.xml",
        "views/saas_pool_database_views.xml",
        "wizards/saas_instance_update_modules_views.xml",
    ],
    "installable": True,
}
