{
    "name": "SaaS Releases",
    "summary": "Tenants on releases (code trees served by their own processes): per-tenant "
    "update rehearsals on a neutralised clone, promotion behind the router's maintenance "
    "page with automatic rollback, canary waves",
    "version": "18.0.1.0.0",
    "category": "SaaS",
    "license": "LGPL-3",
    "author": "SaaS Control Plane contributors",
    "website": "https://github.com/saas-control-plane/saas",
    "depends": ["saas_provisioning", "saas_backup", "saas_portal", "queue_job"],
    "data": [
        "security/ir.model.access.csv",
        "data/queue_job_data.xml",
        "data/saas_release_data.xml",
        "views/saas_release_views.xml",
        "views/saas_instance_views.xml",
        "views/portal_templates.xml",
    ],
    "installable": True,
}
