#!/usr/bin/env python3
"""Benchmark: a customer's sign-up, in chromium, with email verification
on, to their tenant's backend shown logged in.

Run with Odoo's venv:  ./dev python bench/signup_browser.py [-n 5] [--port 8277]

Starts an Odoo server (threaded, with the queue_job runner) on a master
database of its own with saas_sso (and the saas_portal it extends: the
progress page opens the tenant through it), builds a small template, publishes a
plan, then N times, in headless chromium driven over the DevTools protocol
(websocket-client), exactly as a visitor would:
  open /saas/signup, type subdomain (live check), company, email (no
  password: it is chosen after the address is confirmed),
  click "Create my Odoo"                                  -> t0
  the "check your mailbox" page is shown; the mail's link is read from
  mail.mail (the master has no SMTP server here: the mail waits there),
  opened in the same browser: the set-password page; the password typed
  twice, "Create my Odoo" (the account is made, provisioning starts)
  the progress page follows the provisioning and, once the instance is
  ready, posts to /my/saas/<id>/open, whose page posts the SSO token to
  the tenant, which redirects to its backend
  the tenant's backend is shown (navbar)                  -> t1
then checks (after t1) that the tenant's session is this customer's in
this tenant's database.  Prints p50/p95/max of t1 - t0 and of its parts,
cut at the requests the browser sends (from the DevTools network log) and
at the pages shown.  Floors beside them, in the same run: the tenant's
backend shown to a browser logged in already, a bare frontend page of the
master shown (what the check-mail and set-password pages cost at least),
one mail.mail read by RPC, and the password's hash (PBKDF2, Odoo's rounds:
the floor of the set-password POST).  --no-verify measures the path with
verification off (the set-password page follows the form at once).
Everything it creates is dropped (unless --keep).  Cookies are cleared
between runs.  Its databases are named SAAS_TEST_PREFIX + "bench_".
"""
import argparse
import html
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from urllib.parse import urlsplit
from pathlib import Path

import websocket

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from odoo_server import OdooServer, devtool, free_port, setup_control_plane  # noqa: E402

# Under the caller's test prefix (SAAS_TEST_PREFIX): engineers sharing the
# PostgreSQL cluster each drop only their own bench databases.
PREFIX = os.environ.get("SAAS_TEST_PREFIX", "h7_") + "bench_"
PASSWORD = "Bench-pass-2026"


class Chromium:
    """Headless chromium and one page, driven over the DevTools protocol."""

    def __init__(self):
        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        if not binary:
            raise SystemExit("chromium not found (apt-get install chromium)")
        self.profile = tempfile.mkdtemp(prefix=PREFIX + "chromium_")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--disable-extensions", "--remote-allow-origins=*",
             f"--remote-debugging-port={self.port}", f"--user-data-dir={self.profile}",
             "--window-size=1366,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list",
                                            timeout=2) as resp:
                    targets = json.load(resp)
                page = next(t for t in targets if t["type"] == "page")
                break
            except (OSError, StopIteration):
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=120,
                                              suppress_origin=True)
        self.msg_id = 0
        # (wall time, method, URL) of every request the page sends: the
        # parts of the path are timed from these, not from polling the DOM
        self.requests = []
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Network.enable")

    def call(self, method, **params):
        self.msg_id += 1
        mid = self.msg_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("method") == "Network.requestWillBeSent":
                request = msg["params"]["request"]
                self.requests.append((msg["params"]["wallTime"], request["method"],
                                      request["url"]))
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def eval(self, expression):
        """Value of ``expression`` in the page; None while it navigates."""
        try:
            result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True,
                               returnByValue=True)
        except RuntimeError:
            return None
        if result.get("exceptionDetails"):
            return None
        return result.get("result", {}).get("value")

    def wait(self, expression, timeout=120, interval=0.02):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.eval(expression)
            if value:
                return value
            time.sleep(interval)
        raise TimeoutError(f"timed out waiting for {expression!r} on {self.eval('location.href')}")

    def navigate(self, url):
        self.call("Page.navigate", url=url)

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


FILL = """
(() => {
  const set = (name, value) => {
    const input = document.querySelector(`input[name=${name}]`);
    input.value = value;
    input.dispatchEvent(new Event('input', {bubbles: true}));
  };
  document.querySelector(`input[name=plan_id][value="%(plan)s"]`).click();
  set('subdomain', %(sub)s); set('company_name', %(company)s);
  set('email', %(email)s);
  return true;
})()
"""

BACKEND_SHOWN = """
location.host.startsWith(%(host)s) && !!document.querySelector('.o_main_navbar')
"""

LOGGED_IN = """
(async () => {
  if (!location.host.startsWith(%(host)s) || !document.querySelector('.o_main_navbar')) return false;
  const r = await fetch('/web/session/get_session_info', {method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({jsonrpc: '2.0', method: 'call', params: {}})});
  const info = (await r.json()).result || {};
  return info.uid && info.username === %(login)s ? info.db : false;
})()
"""

SET_PASSWORD = """
(() => {
  const form = document.querySelector('form.o_saas_set_password_form');
  if (!form || document.readyState !== 'complete') return false;
  form.querySelector('input[name=password]').value = %(password)s;
  form.querySelector('input[name=confirm_password]').value = %(password)s;
  form.querySelector('button.o_saas_set_password_submit').click();
  return true;
})()
"""

TENANT_LOGIN_FORM = """
(() => {
  if (!location.host.startsWith(%(host)s) || !location.pathname.startsWith('/web/login')) return false;
  const form = document.querySelector('form.oe_login_form');
  if (!form) return false;
  form.querySelector('input[name=login]').value = %(login)s;
  form.querySelector('input[name=password]').value = %(password)s;
  form.submit();
  return true;
})()
"""


def mail_link(rpc, email, timeout=30):
    """The set-password link of the verification mail sent to ``email``."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        mails = rpc("mail.mail", "search_read", [("email_to", "ilike", email)], ["body_html"])
        for mail in mails:
            found = re.search(r'href="([^"]*/saas/signup/verify/[^"]+)"', mail["body_html"] or "")
            if found:
                return html.unescape(found.group(1))
        time.sleep(0.02)
    raise TimeoutError(f"no verification mail to {email}")


def signup_once(browser, srv, rpc, plan_id, sub, verify=True):
    email = f"{sub}@bench.test"
    host = f"{sub}.localhost:{srv.port}"
    browser.call("Network.clearBrowserCookies")
    browser.navigate(srv.url + "/saas/signup")
    # the page's script attaches the live check (frontend scripts load lazily)
    browser.wait("document.querySelector('#saas_signup_form')?.dataset.saasReady === '1'")
    browser.eval(FILL % {"plan": plan_id, "sub": json.dumps(sub),
                         "company": json.dumps(f"Bench {sub}"), "email": json.dumps(email)})
    # the live availability check answers while the visitor types
    browser.wait("(document.querySelector('#saas_subdomain_feedback') || {}).dataset?.checked "
                 f"=== {json.dumps(sub)}", timeout=30)
    browser.requests.clear()
    t0 = time.time()
    browser.eval("document.querySelector('button.o_saas_signup_submit').click(), true")
    params = {"host": json.dumps(host), "login": json.dumps(email),
              "password": json.dumps(PASSWORD)}
    steps = {}
    if verify:
        browser.wait("!!document.querySelector('.o_saas_check_mail')", interval=0.01)
        steps["check_mail"] = time.time()
        link = mail_link(rpc, email)
        steps["mail"] = time.time()
        browser.navigate(link)
    browser.wait(SET_PASSWORD % params, interval=0.01)
    steps["set_password"] = time.time()
    deadline = time.time() + 300
    via_form = False
    while time.time() < deadline:
        if browser.eval(BACKEND_SHOWN % params):
            break
        if not via_form and browser.eval(TENANT_LOGIN_FORM % params):
            via_form = True  # no saas_sso: the customer types the password
        failed = browser.eval("!!document.querySelector('.o_saas_progress_failed:not(.d-none)')")
        if failed:
            raise RuntimeError(f"{sub}: the progress page reports a failure")
        time.sleep(0.01)
    else:
        raise TimeoutError(f"{sub}: never reached the tenant's backend "
                           f"({browser.eval('location.href')})")
    t1 = time.time()
    # Shown is not enough: the session must be this customer's in this
    # tenant's database (checked after the clock stopped).
    db = browser.wait(LOGGED_IN % params, timeout=30)
    marks = dict(request_marks(browser.requests, srv.url, f"http://{host}"), **steps)
    parts = {"total": t1 - t0}
    previous = t0
    for key, _label in parts_of(verify)[1:-1]:
        if marks.get(key) is None:
            raise RuntimeError(f"{sub}: no {key} request seen: {browser.requests}")
        parts[key] = marks[key] - previous
        previous = marks[key]
    last = parts_of(verify)[-1][0]
    parts[last] = t1 - previous
    # what the customer waits for from us: all but the mailbox's part
    parts["ours"] = parts["total"] - parts.get("mail", 0.0)
    return {"sub": sub, "db": db, "sso": not via_form, **parts}


# The path, cut at the pages shown and the requests the browser sends
# (keys: signup_once's steps, request_marks()).
PARTS = (
    ("total", "submit -> backend shown"),
    ("check_mail", "submit -> check-mail page shown"),
    ("mail", "-> link read from mail.mail"),
    ("set_password", "-> link opened, password sent"),
    ("progress", "-> progress page requested"),
    ("last_status", "-> status poll that saw ready"),
    ("open", "-> open POST (page reacts)"),
    ("sso", "-> tenant SSO POST"),
    ("odoo", "-> tenant /odoo requested"),
    ("shown", "-> backend shown (navbar)"),
)
SUMMARY = (("ours", "total without the mail read"),)


def parts_of(verify):
    if verify:
        return PARTS
    return tuple((key, "submit -> set-password page, password sent" if key == "set_password"
                  else label) for key, label in PARTS if key not in ("check_mail", "mail"))


def request_marks(requests, master, tenant):
    """Wall times of the path's requests, from the browser's own log.  The
    master is any origin but the tenant's: the mail's link may name the
    master by another name (web.base.url) than the one the form was on."""
    marks, last_status = {}, None
    for wall, method, url in requests:
        if url.startswith(tenant):
            if method == "POST" and url == tenant + "/saas_sso/login":
                marks.setdefault("sso", wall)
            elif url.split("?")[0] in (tenant + "/odoo", tenant + "/web"):
                marks.setdefault("odoo", wall)
            continue
        path = urlsplit(url).path
        if path.startswith("/saas/progress/") and path.endswith("/status"):
            if "open" not in marks:
                last_status = wall
        elif path.startswith("/saas/progress/"):
            marks.setdefault("progress", wall)
        elif method == "POST" and path.startswith("/my/saas/") and path.endswith("/open"):
            marks.setdefault("open", wall)
    marks["last_status"] = last_status
    return marks


def shown_floor(browser, url, shown, runs=3):
    """Median time from navigating to ``url`` (cold cache) to ``shown``."""
    times = []
    for _i in range(runs):
        browser.call("Network.clearBrowserCache")
        browser.navigate("about:blank")
        browser.wait("location.href === 'about:blank'")
        start = time.time()
        browser.navigate(url)
        browser.wait(shown, interval=0.01)
        times.append(time.time() - start)
    return statistics.median(times)


def backend_floor(browser, srv, sub):
    """Floor of the last part: the tenant's backend shown in a browser that
    is logged in there already, with a cold cache (the bundles come from the
    tenant's host, as after a sign-up)."""
    host = f"{sub}.localhost:{srv.port}"
    return shown_floor(browser, f"http://{host}/odoo",
                       BACKEND_SHOWN % {"host": json.dumps(host)})


def page_floor(browser, srv):
    """Floor of a page of ours (check-mail, set-password): a bare frontend
    page of the master, /web/login, shown in the browser, cold cache."""
    return shown_floor(browser, srv.url + "/web/login",
                       "!!document.querySelector('form.oe_login_form') && "
                       "document.readyState === 'complete'")


def rpc_floor(rpc, runs=5):
    """Floor of the mail read: one mail.mail search_read by RPC."""
    times = []
    for _i in range(runs):
        start = time.time()
        rpc("mail.mail", "search_read", [("email_to", "ilike", "nobody@bench.test")],
            ["body_html"])
        times.append(time.time() - start)
    return statistics.median(times)


def hash_floor(runs=3):
    """Floor of the set-password POST: the password's hash, as Odoo makes it
    (passlib pbkdf2_sha512, Odoo 18's 600,000 rounds)."""
    from passlib.context import CryptContext
    context = CryptContext(["pbkdf2_sha512"], pbkdf2_sha512__rounds=600_000)
    times = []
    for _i in range(runs):
        start = time.time()
        context.hash(PASSWORD)
        times.append(time.time() - start)
    return statistics.median(times)


def drop(name):
    devtool.drop_prefixed(name, keep=())


def cleanup(keep_master=False):
    """Drop the bench's databases, roles and filestores (the master too
    unless ``keep_master``: a master installed beforehand is reused)."""
    devtool.drop_prefixed(PREFIX, keep=(f"{PREFIX}master",) if keep_master else ())


def bench_config(port):
    return devtool.write_config(db_name=f"{PREFIX}master", http_port=port,
                                path=devtool.RUN_DIR / f"{PREFIX}signup.conf", prefix=PREFIX)


def pct(values, p):
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--port", type=int, default=8277)
    parser.add_argument("--modules", default="saas_sso",
                        help="addons of the master database")
    parser.add_argument("--install-only", action="store_true",
                        help="only create the master database (reused by the next run)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-verify", dest="verify", action="store_false",
                        help="email verification off: the set-password page follows the "
                        "form at once (no mail)")
    args = parser.parse_args()
    if args.n < 1:
        parser.error("-n must be at least 1")
    cleanup(keep_master=True)
    srv = OdooServer(f"{PREFIX}master", conf=bench_config(args.port), port=args.port)
    print(f"master database installed in {srv.install(args.modules):.1f}s", flush=True)
    if args.install_only:
        return
    srv.start(timeout=300)  # a shared machine: the first page may take a minute
    browser = None
    try:
        rpc = srv.rpc()
        for key in ("saas_portal.signup_rate_limit", "saas_portal.check_rate_limit",
                    "saas_portal.signup_global_hourly_cap"):
            rpc("ir.config_parameter", "set_param", key, "0")
        # the mail's link names the master by web.base.url, as in production
        rpc("ir.config_parameter", "set_param", "web.base.url", srv.url)
        # measured as a customer lives it: verification on (the default)
        rpc("ir.config_parameter", "set_param", "saas_portal.signup_verify_email",
            str(args.verify))
        _server, _template, plan_id = setup_control_plane(rpc, srv.url, "base,web", "Small")
        rpc("saas.plan", "write", [plan_id], {"published": True, "price": 10.0})
        browser = Chromium()
        # first registry of the process
        signup_once(browser, srv, rpc, plan_id, "h7b-warmup", args.verify)
        parts = parts_of(args.verify)
        results = []
        for i in range(args.n):
            result = signup_once(browser, srv, rpc, plan_id, f"h7b-{i}", args.verify)
            results.append(result)
            print(f"  {result['sub']}: {result['total']:.2f}s ("
                  + ", ".join(f"{key} {result[key]:.2f}" for key, _label in parts[1:])
                  + f", {'SSO' if result['sso'] else 'login form'}) -> {result['db']}",
                  flush=True)
        mode = "email verification on" if args.verify else "verification off"
        print(f"\n== sign-up ({mode}) -> tenant backend shown logged in, chromium, "
              f"{args.n} runs ==")
        for key, label in parts + (SUMMARY if args.verify else ()):
            values = [r[key] for r in results]
            print(f"{label:<40} p50 {statistics.median(values):6.2f}s  "
                  f"p95 {pct(values, 95):6.2f}s  max {max(values):6.2f}s")
        floor = backend_floor(browser, srv, results[-1]["sub"])
        print(f"floor: tenant /odoo -> backend shown, already logged in, cold cache: "
              f"p50 {floor:.2f}s (3 runs); provisioning's floor: bench/provision.py")
        print(f"floor: a bare master page (/web/login) shown, cold cache: "
              f"p50 {page_floor(browser, srv):.2f}s (3 runs; per page of ours)")
        print(f"floor: password hash (pbkdf2-sha512, 600,000 rounds): "
              f"p50 {hash_floor():.2f}s (3 runs; in the set-password POST)")
        if args.verify:
            print(f"floor: one mail.mail search_read by RPC: p50 {rpc_floor(rpc):.3f}s "
                  "(5 runs; the mail read)")
    finally:
        if browser:
            browser.close()
        srv.stop()
        if not args.keep:
            cleanup()


if __name__ == "__main__":
    main()
