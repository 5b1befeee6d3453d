{
    "name": "SaaS Billing (OCA contracts)",
    "summary": "Tenants billed by OCA contracts from their request: posted invoices "
    "charged with the saved payment method, dunning suspends, payment reactivates, "
    "trials that convert, cancel at period end, prorated plan changes; their portal pages",
    "version": "18.0.1.1.0",
    "category": "SaaS",
    "license": "LGPL-3",
    "author": "SaaS Control Plane contributors",
    "website": "https://github.com/saas-control-plane/saas",
    "depends": [
        "saas_provisioning", "saas_portal", "contract", "contract_line_successor", "account",
        "account_payment",
    ],
    "data": [
        "security/ir.model.access.csv",
        "security/contract_security.xml",
        "data/ir_config_parameter.xml",
        "data/mail_template_data.xml",
        "data/ir_cron_data.xml",
        "views/saas_plan_views.xml",
        "views/saas_instance_views.xml",
        "views/saas_plan_change_views.xml",
        "views/portal_plan_change_templates.xml",
        "views/contract_contract_views.xml",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
        "views/portal_templates.xml",
    ],
    "demo": ["demo/saas_billing_demo.xml"],
    "assets": {
        "web.assets_tests": [
            "saas_billing_contract/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
