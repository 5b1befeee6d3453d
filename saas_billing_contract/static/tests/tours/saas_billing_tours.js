/** @odoo-module **/
// Browser tours of the customer's billing path: paid signup, paying an
// invoice online while saving the card, paying an overdue invoice of a
// suspended instance, a trial cancelled, a prorated plan change.  Each step
// asserts on page content; "saas_screenshot:<name>" asks the test (Python
// side) for a screenshot.

import { registry } from "@web/core/registry";
import { screenshot, setPasswordSteps } from "@saas_portal/../tests/tours/saas_portal_tours";

registry.category("web_tour.tours").add("saas_billing_signup", {
    url: "/saas/signup",
    steps: () => [
        {
            content: "Type a free subdomain",
            trigger: "input[name=subdomain]",
            run: "edit h7-pay",
        },
        {
            content: "It is available",
            trigger: "#saas_subdomain_feedback.text-success:contains('Available')",
        },
        {
            content: "Choose the paid plan without trial",
            trigger: ".o_saas_plan[data-plan-name='H7 Business'] input[name=plan_id]",
            run: "click",
        },
        { trigger: "input[name=company_name]", run: "edit Pay Company" },
        { trigger: "input[name=email]", run: "edit pay@h7.test" },
        {
            content: "Create my Odoo",
            trigger: "button.o_saas_signup_submit",
            run: "click",
        },
        ...setPasswordSteps("pay@h7.test", "Pay-pass-2026"),
        {
            content: "The progress page: let the test's job runner start the pipeline",
            trigger: ".o_saas_progress_page #saas_progress",
            timeout: 30000,
            run() {
                this.anchor.dataset.noRedirect = "1";
                console.log("saas_signal:start_jobs");
            },
        },
        {
            content: "The instance is ready",
            trigger: ".o_saas_progress_ready:not(.d-none):contains('ready')",
            timeout: 60000,
        },
    ],
});

function payWithNewCard(card, save, hasSavedCard) {
    const steps = [
        {
            content: "Pay Now opens the payment form",
            trigger: ".o_portal_sidebar a[data-bs-target='#pay_with']:contains('Pay Now')",
            run: "click",
        },
    ];
    if (hasSavedCard) {
        steps.push(
            {
                content: "The saved card is offered first",
                trigger: "#pay_with input[name=o_payment_radio][data-payment-option-type='token']",
            },
            {
                content: "Choose another method",
                trigger: "#pay_with [name=o_payment_expand_button]",
                run: "click",
            }
        );
    }
    steps.push(
        {
            content: "Pay with a new card (the demo provider's payment method)",
            trigger: "#pay_with input[name=o_payment_radio][data-payment-option-type='payment_method'][data-provider-code='demo']",
            run: "click",
        },
        {
            content: "Card number",
            trigger: "#pay_with #customer_input:visible",
            run: `edit ${card}`,
        }
    );
    if (save) {
        steps.push({
            content: "Save my payment details",
            trigger: "#pay_with input[name=o_payment_tokenize_checkbox]:visible",
            run: "click",
        });
    }
    steps.push(
        {
            content: "Pay",
            trigger: "#pay_with button[name=o_payment_submit_button]:enabled",
            run: "click",
        },
        {
            content: "Back on the invoice: it is paid",
            trigger: "body:has(.badge:contains('Paid')):contains('Your payment has been successfully processed')",
            timeout: 30000,
        }
    );
    return steps;
}

registry.category("web_tour.tours").add("saas_billing_pay_and_save", {
    steps: () => [
        {
            content: "The instance page shows the next invoice and no saved payment method",
            trigger: ".o_saas_subscription:has(.o_saas_next_invoice):contains('none saved')",
        },
        {
            content: "Open the invoice from the instance page",
            trigger: ".o_saas_invoices .o_saas_invoice_row a[href^='/my/invoices/']",
            run: "click",
        },
        ...payWithNewCard("4242", true, false),
        {
            content: "Back to the instance",
            trigger: "body",
            run() {
                window.location.href = window.location.origin + "/my/saas";
            },
        },
        {
            trigger: ".o_saas_instance_row a:contains('Pay Company')",
            run: "click",
        },
        {
            content: "The saved card is the payment method on file",
            trigger: ".o_saas_payment_method .o_saas_token:contains('4242')",
        },
        {
            content: "The invoice is listed as paid",
            trigger: ".o_saas_invoice_row:contains('Paid')",
        },
    ],
});

registry.category("web_tour.tours").add("saas_billing_pay_overdue", {
    steps: () => [
        {
            content: "The instance is suspended, with a Pay now link",
            trigger: ".o_saas_suspended_banner:contains('suspended') a.o_saas_pay",
            run: "click",
        },
        ...payWithNewCard("5555", false, true),
        {
            content: "Back to the instance",
            trigger: "body",
            run() {
                window.location.href = window.location.origin + "/my/saas";
            },
        },
        {
            content: "Active again, at once",
            trigger: ".o_saas_instance_row:contains('Pay Company') .o_saas_state:contains('Active')",
        },
    ],
});

registry.category("web_tour.tours").add("saas_billing_cancel_trial", {
    steps: () => [
        {
            content: "A trial: the first invoice comes after it",
            trigger: ".o_saas_next_invoice:contains('after your free trial')",
        },
        {
            trigger: "a.o_saas_cancel:contains('Cancel subscription')",
            run: "click",
        },
        {
            content: "The confirmation says nothing will be invoiced",
            trigger: ".o_saas_cancel_confirm_text:contains('You will not be invoiced')",
        },
        {
            trigger: "button.o_saas_cancel_confirm",
            run: "click",
        },
        {
            content: "Cancelled: open until the trial end, nothing invoiced",
            trigger: "#saas_instance_notices:has(.o_saas_cancelled:contains('cancelled')) ~ * .o_saas_ends_on:contains('nothing will be invoiced')",
        },
        {
            content: "It can be resumed",
            trigger: "button.o_saas_resume",
            run: "click",
        },
        {
            content: "Resumed: the first invoice comes after the trial again",
            trigger: "#saas_instance_notices:has(.o_saas_resumed:contains('goes on')) ~ * .o_saas_next_invoice:contains('after your free trial')",
        },
        {
            trigger: "a.o_saas_cancel:contains('Cancel subscription')",
            run: "click",
        },
        {
            trigger: "button.o_saas_cancel_confirm",
            run: "click",
        },
        {
            content: "Cancelled again",
            trigger: ".o_saas_ends_on:contains('nothing will be invoiced')",
        },
    ],
});

registry.category("web_tour.tours").add("saas_billing_plan_change", {
    steps: () => [
        {
            content: "Trial end date",
            trigger: ".o_saas_trial_end:contains('Trial ends on')",
        },
        {
            content: "The invoice of the instance is listed, linking to Odoo's invoice page",
            trigger: ".o_saas_invoices .o_saas_invoice_row a[href^='/my/invoices/']",
        },
        {
            content: "Usage against the plan's limits: users",
            trigger: ".o_saas_usage [data-usage='users']:contains('/ 3') .progress-bar",
        },
        screenshot("04_my_saas_instance_billing"),
        {
            content: "Change plan",
            trigger: "a.o_saas_change_plan",
            run: "click",
        },
        {
            content: "See the price of the Business plan",
            trigger: ".o_saas_plan_choice[data-plan-name='H7 Business'] a.o_saas_plan_preview",
            run: "click",
        },
        {
            content: "The prorated amount is shown before confirming, as the model computes it",
            trigger: ".o_saas_plan_preview_box:contains('Switch to H7 Business') .o_saas_preview_net",
            run() {
                // the amount depends on today's date: the test stores the
                // figure the model computes before it starts the tour
                const expected = sessionStorage.getItem("saas_expected_net");
                const shown = this.anchor.textContent.replace(/\s+/g, " ").trim();
                if (!expected || !shown.includes(expected)) {
                    throw new Error(`prorated amount shown: "${shown}", expected "${expected}"`);
                }
            },
        },
        screenshot("05_plan_change_preview"),
        {
            content: "Confirm",
            trigger: "button.o_saas_plan_confirm",
            run: "click",
        },
        {
            content: "Back on the instance, on the new plan",
            trigger: ".o_saas_plan_changed:contains('Your plan has been changed')",
        },
        {
            content: "The new plan and its limits",
            trigger: ".o_saas_plan_name:contains('H7 Business')",
        },
        {
            content: "The users bar now counts against 20",
            trigger: ".o_saas_usage [data-usage='users']:contains('/ 20')",
        },
        {
            content: "The change is listed with what it credited and charged",
            trigger: ".o_saas_plan_changes .o_saas_plan_change:contains('H7 Starter'):contains('H7 Business')",
        },
        screenshot("06_plan_changed"),
    ],
});
