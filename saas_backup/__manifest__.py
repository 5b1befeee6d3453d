{
    "name": "SaaS Backups",
    "summary": "Every tenant to S3-compatible storage: scheduled backups in Odoo's own "
    "format, retention, health, restores (copy or in place), restore drills",
    "version": "18.0.1.0.0",
    "category": "SaaS",
    "license": "LGPL-3",
    "author": "SaaS Control Plane contributors",
    "website": "https://github.com/saas-control-plane/saas",
    "depends": ["saas_provisioning", "saas_portal", "queue_job"],
    "external_dependencies": {"python": ["boto3", "psycopg2"]},
    "data": [
        "security/ir.model.access.csv",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "views/saas_backup_storage_views.xml",
        "views/saas_backup_views.xml",
        "views/saas_instance_views.xml",
        "views/res_config_settings_views.xml",
        "views/portal_templates.xml",
        "wizards/saas_backup_restore_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "saas_backup/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
