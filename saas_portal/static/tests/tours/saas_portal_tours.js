/** @odoo-module **/
// Browser tours of the customer's path.  Each step asserts on page content;
// "saas_screenshot:<name>" asks the test (Python side) for a screenshot.

import { registry } from "@web/core/registry";

export function screenshot(name) {
    return {
        content: `screenshot ${name}`,
        trigger: "body",
        async run() {
            console.log(`saas_screenshot:${name}`);
            await new Promise((resolve) => setTimeout(resolve, 700));
        },
    };
}

/**
 * The set-password page that follows the sign-up (verification off) or the
 * mail's link: the login is shown read-only, the password typed twice.
 */
export function setPasswordSteps(login, password) {
    return [
        {
            content: "The set-password page shows the login, read-only",
            trigger: `.o_saas_set_password input[name=login][readonly][value="${login}"]`,
            timeout: 30000,
        },
        {
            content: "Password",
            trigger: ".o_saas_set_password input[name=password]",
            run: `edit ${password}`,
        },
        {
            content: "Password again",
            trigger: ".o_saas_set_password input[name=confirm_password]",
            run: `edit ${password}`,
        },
        {
            content: "Create my Odoo",
            trigger: "button.o_saas_set_password_submit",
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("saas_portal_signup", {
    url: "/saas/signup",
    steps: () => [
        {
            content: "The published plans are side by side, with price and limits",
            trigger: ".o_saas_plan[data-plan-name='H7 Starter']:contains('3 users'):contains('500 MB storage')",
        },
        {
            content: "The second plan too",
            trigger: ".o_saas_plan[data-plan-name='H7 Business']:contains('20 users')",
        },
        {
            content: "Type a reserved name",
            trigger: "input[name=subdomain]",
            run: "edit www",
        },
        {
            content: "The reason appears next to the field, without reloading",
            trigger: "#saas_subdomain_feedback.text-danger:contains('reserved name')",
        },
        {
            content: "Type a look-alike",
            trigger: "input[name=subdomain]",
            run: "edit h7-Tour",
        },
        {
            content: "Uppercase is refused with its reason",
            trigger: "#saas_subdomain_feedback.text-danger:contains('uppercase')",
        },
        {
            content: "Type a free subdomain",
            trigger: "input[name=subdomain]",
            run: "edit h7-tour",
        },
        {
            content: "It is available",
            trigger: "#saas_subdomain_feedback.text-success:contains('Available'):contains('h7-tour.localhost')",
        },
        {
            content: "Choose the Starter plan",
            trigger: ".o_saas_plan[data-plan-name='H7 Starter'] input[name=plan_id]",
            run: "click",
        },
        {
            content: "Company name",
            trigger: "input[name=company_name]",
            run: "edit Tour Company",
        },
        {
            content: "Email",
            trigger: "input[name=email]",
            run: "edit tour@h7.test",
        },
        {
            content: "No password on the sign-up form: it is chosen once the address is known",
            trigger: "#saas_signup_form:not(:has(input[name=password]))",
        },
        screenshot("01_signup_form"),
        {
            content: "Create my Odoo",
            trigger: "button.o_saas_signup_submit",
            run: "click",
        },
        ...setPasswordSteps("tour@h7.test", "Tour-pass-2026"),
        {
            content: "The progress page lists the pipeline's steps",
            trigger: ".o_saas_progress_page .o_saas_step[data-step='reserved'].o_saas_step_done",
            timeout: 30000,
        },
        {
            content: "Stay on this page once ready (saas_sso tests its Open step), "
                + "then let the test's job runner start the pipeline",
            trigger: "#saas_progress",
            run() {
                this.anchor.dataset.noRedirect = "1";
                console.log("saas_signal:start_jobs");
            },
        },
        screenshot("02_progress_started"),
        {
            content: "The database is cloned (seen without reloading the page)",
            trigger: ".o_saas_step[data-step='clone'].o_saas_step_done:contains('✓')",
            timeout: 60000,
        },
        {
            content: "All steps done: the instance is ready",
            trigger: ".o_saas_progress_ready:not(.d-none):contains('ready')",
            timeout: 60000,
        },
        {
            content: "Every step is ticked",
            trigger: ".o_saas_step[data-step='verify'].o_saas_step_done:contains('✓')",
        },
        {
            content: "No failure is shown",
            trigger: ".o_saas_progress_failed.d-none:not(:visible)",
        },
        screenshot("03_progress_ready"),
    ],
});

registry.category("web_tour.tours").add("saas_portal_my", {
    url: "/my/home",
    steps: () => [
        {
            content: "The portal home has an entry for the instances, with its counter",
            trigger: "a[href='/my/saas']:contains('Your Odoo instances')",
            run: "click",
        },
        {
            content: "The list shows the instance",
            trigger: ".o_saas_instance_row:contains('Tour Company'):contains('h7-tour.localhost')",
        },
        {
            content: "Open its page",
            trigger: ".o_saas_instance_row a:contains('Tour Company')",
            run: "click",
        },
        {
            content: "Usage against the plan's limits: users",
            trigger: ".o_saas_usage [data-usage='users']:contains('/ 3') .progress-bar",
        },
        {
            content: "Usage against the plan's limits: storage",
            trigger: ".o_saas_usage [data-usage='storage']:contains('/ 500') .progress-bar",
        },
        {
            content: "Its health: uptime and usage over time",
            trigger: ".o_saas_health .o_saas_uptime",
        },
        screenshot("04_my_saas_instance"),
    ],
});
