/** @odoo-module **/
// The operator opens the overview from the SaaS menu and sees the figures
// the test computed (window.saasOverviewExpect, set by the test).

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("saas_overview_tour", {
    steps: () => {
        const expect = window.saasOverviewExpect || {};
        return [
            {
                content: "Open the apps menu",
                trigger: ".o_navbar_apps_menu button",
                run: "click",
            },
            {
                content: "Open the SaaS app: its first item is the overview",
                trigger: ".o_app[data-menu-xmlid='saas_base.menu_saas_root']",
                run: "click",
            },
            {
                content: "The active tenants, as counted by the test",
                trigger: `.o_saas_figure[data-key='tenants_active'] .o_saas_value:contains(/^${expect.active}$/)`,
                timeout: 60000,
            },
            {
                content: "Sign-ups are drawn by Chart.js",
                trigger: ".o_saas_chart[data-key='signups'] canvas",
            },
            {
                content: "A figure opens its records",
                trigger: ".o_saas_figure[data-key='tenants_active']",
                run: "click",
            },
            {
                content: "The list of active tenants",
                trigger: ".o_list_view, .o_kanban_view",
            },
        ];
    },
});
