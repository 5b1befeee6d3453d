/** @odoo-module **/
// The health part of the customer's instance page: figures the test
// (saas_backup/tests/test_health_page.py) computed from its records.

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("saas_health_page", {
    steps: () => [
        {
            content: "30-day uptime, from the hourly probe figures",
            trigger: ".o_saas_health .o_saas_uptime_pct:contains('98.26 %')",
        },
        {
            content: "The response-time graph of the last 7 days",
            trigger: ".o_saas_response_chart svg.o_saas_chart_response[data-points='142']",
        },
        {
            content: "Storage over time",
            trigger: ".o_saas_storage_chart svg.o_saas_chart_storage circle",
        },
        {
            content: "Users over time, up to 6",
            trigger: ".o_saas_users_chart svg.o_saas_chart_users[data-max='6']",
        },
        {
            content: "The last verified restore, with its duration",
            trigger: ".o_saas_verified_restore:contains('Your data was last restored and checked on') .o_saas_restore_seconds:contains('12')",
        },
        {
            content: "What was compared",
            trigger: ".o_saas_verified_restore .o_saas_restore_rows:contains('1234')",
        },
        {
            trigger: ".o_saas_verified_restore .o_saas_restore_tables:contains('3')",
        },
        {
            trigger: ".o_saas_verified_restore .o_saas_restore_files:contains('7')",
        },
        {
            content: "The last backup",
            trigger: ".o_saas_protection .o_saas_last_backup:contains('Last backup:')",
        },
    ],
});
