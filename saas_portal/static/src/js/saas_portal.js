/** @odoo-module **/
// Sign-up form (live subdomain check) and progress page (polling), in plain
// JS: both pages are public-facing and need no widget framework.  Every text
// shown comes from the server (translated there) or from data attributes.

function debounce(fn, delay) {
    let timer;
    return (...args) => {
        clearTimeout(timer);
        timer = setTimeout(() => fn(...args), delay);
    };
}

function startSignup(form) {
    const input = form.querySelector("input[name=subdomain]");
    const feedback = form.querySelector("#saas_subdomain_feedback");
    if (!input || !feedback) {
        return;
    }
    let last = null;
    const check = debounce(async () => {
        const value = input.value;
        if (value === last) {
            return;
        }
        last = value;
        if (!value) {
            feedback.textContent = "";
            input.classList.remove("is-valid", "is-invalid");
            return;
        }
        feedback.textContent = form.dataset.checkingLabel || "";
        let data;
        try {
            const url = `${form.dataset.checkUrl}?subdomain=${encodeURIComponent(value)}`;
            const response = await fetch(url, { headers: { Accept: "application/json" } });
            data = await response.json();
        } catch {
            return;
        }
        if (input.value !== value) {
            return; // a newer check is on its way
        }
        feedback.textContent = data.reason || "";
        feedback.classList.toggle("text-danger", !data.available);
        feedback.classList.toggle("text-success", Boolean(data.available));
        input.classList.toggle("is-invalid", !data.available);
        input.classList.toggle("is-valid", Boolean(data.available));
        feedback.dataset.checked = value;
    }, 250);
    input.addEventListener("input", check);
    input.addEventListener("change", check);
    // Plans are cards: a click anywhere on the card selects it.
    for (const card of form.querySelectorAll(".o_saas_plan")) {
        card.addEventListener("click", () => {
            for (const other of form.querySelectorAll(".o_saas_plan")) {
                other.classList.toggle("border-primary", other === card);
            }
        });
    }
    // A double click must not send two requests (the server copes anyway,
    // with the form's idempotency token).
    form.addEventListener("submit", () => {
        const button = form.querySelector("button[type=submit]");
        if (button) {
            setTimeout(() => (button.disabled = true), 0);
        }
    });
    // the live check is listening (scripts wait for it)
    form.dataset.saasReady = "1";
}

function startProgress(box) {
    // Elements are looked up once: rendering only toggles classes and sets
    // the text of leaf spans.
    const failed = box.querySelector(".o_saas_progress_failed");
    const failedText = box.querySelector(".o_saas_progress_message");
    const info = box.querySelector(".o_saas_progress_info");
    const infoText = box.querySelector(".o_saas_progress_info_text");
    const ready = box.querySelector(".o_saas_progress_ready");
    const render = (data) => {
        for (const step of data.steps || []) {
            const item = box.querySelector(`.o_saas_step[data-step="${step.key}"]`);
            if (item) {
                item.classList.toggle("o_saas_step_done", step.done);
                item.classList.toggle("list-group-item-success", step.done);
                const mark = item.querySelector(".o_saas_step_mark");
                if (mark) {
                    mark.textContent = step.done ? "✓" : "…";
                }
            }
        }
        box.dataset.state = data.state;
        failed?.classList.toggle("d-none", !data.failed);
        if (failedText) {
            failedText.textContent = data.failed ? data.message || "" : "";
        }
        info?.classList.toggle("d-none", !(data.message && !data.failed));
        if (infoText) {
            infoText.textContent = data.failed ? "" : data.message || "";
        }
        ready?.classList.toggle("d-none", !data.done);
    };
    const poll = async () => {
        let data;
        try {
            const response = await fetch(box.dataset.statusUrl, {
                headers: { Accept: "application/json" },
                credentials: "same-origin",
            });
            data = await response.json();
        } catch {
            setTimeout(poll, 2000);
            return;
        }
        render(data);
        if (data.done) {
            // Leave the finished list on screen a moment, then open the
            // instance (logged in through SSO when available).  A page that
            // sets data-no-redirect (browser tests) stays.
            // Opening is a POST with the CSRF token (never a GET link).
            const openForm = box.querySelector("form.o_saas_progress_open_form");
            if (!box.dataset.noRedirect && openForm) {
                setTimeout(() => openForm.submit(), 500);
            }
        } else if (!data.failed && data.state !== "terminated") {
            setTimeout(poll, 400);
        }
    };
    poll();
}

function start() {
    const form = document.getElementById("saas_signup_form");
    if (form) {
        startSignup(form);
    }
    const box = document.getElementById("saas_progress");
    if (box) {
        startProgress(box);
    }
}

if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
} else {
    start();
}
