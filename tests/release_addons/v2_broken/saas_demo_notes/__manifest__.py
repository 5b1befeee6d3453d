{
    "name": "SaaS Demo Notes",
    "summary": "Demo application for the release tests (v2)",
    "version": "18.0.2.0.0",
    "license": "LGPL-3",
    "depends": ["base", "web"],
    "data": ["security/ir.model.access.csv", "views/note_views.xml", "data/cron.xml"],
    "application": True,
    "installable": True,
}
