/** @odoo-module **/
// Sign-up form (live subdomain check) and progress page (polling), in plain
// JS: both pages are public-facing and need no widget framework.  Every
// text shown comes from the server (translated there) or from data
// attributes.  Loaded with web.assets_frontend_minimal (deferred: run as
// soon as the page is parsed), not with the lazy bundle that waits for the
// window's load event: the progress page starts watching at once, and the
// forms (class o_no_wait_lazy_js) need nothing from the lazy bundle.

// Progress page: poll every FAST_POLL_MS during the first FAST_POLL_FOR_MS
// (provisioning takes about a second), then every SLOW_POLL_MS.
const FAST_POLL_MS = 100;
const FAST_POLL_FOR_MS = 60000;
const SLOW_POLL_MS = 1000;

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
    // A short poll, not the bus: the page is watched for about a second,
    // each answer is one indexed read (readonly route), and it works the
    // same behind any proxy and in every server mode (no websocket port,
    // no long request holding a prefork worker).  Fast while provisioning
    // normally takes, then gentler for a page left open on a slow one.
    const started = Date.now();
    const nextDelay = () => (Date.now() - started < FAST_POLL_FOR_MS ? FAST_POLL_MS : SLOW_POLL_MS);
    const poll = async () => {
        let data;
        try {
            const response = await fetch(box.dataset.statusUrl, {
                headers: { Accept: "application/json" },
                credentials: "same-origin",
                cache: "no-store",
            });
            if (response.status === 403 || response.status === 404) {
                return; // not (or no longer) this visitor's instance: nothing to follow
            }
            data = response.ok ? await response.json() : null;
        } catch {
            data = null;
        }
        if (!data) {
            setTimeout(poll, SLOW_POLL_MS); // the server is away or restarting
            return;
        }
        render(data);
        if (data.done) {
            // Open the instance at once (logged in through SSO when
            // available): a POST with the CSRF token, never a GET link.  A
            // page that sets data-no-redirect (browser tests) stays.
            const openForm = box.querySelector("form.o_saas_progress_open_form");
            if (!box.dataset.noRedirect && openForm && !box.dataset.opening) {
                box.dataset.opening = "1";
                openForm.submit();
            }
        } else if (!data.failed && data.state !== "terminated") {
            setTimeout(poll, nextDelay());
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
