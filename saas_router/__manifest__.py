{
    "name": "SaaS Router",
    "summary": "Serve the master and every tenant database from one Odoo, by host name",
    "version": "18.0.1.0.0",
    "category": "Tools",
    "license": "LGPL-3",
    "author": "SaaS Control Plane contributors",
    "website": "https://github.com/saas-control-plane/saas",
    "depends": ["base"],
    "data": [
        "security/ir.model.access.csv",
        "views/saas_route_views.xml",
    ],
    "installable": True,
    # Load it server-wide (server_wide_modules = base,web,queue_job,saas_router)
    # so that the routing applies to every database the server serves.
}
