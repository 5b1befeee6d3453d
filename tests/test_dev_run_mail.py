"""`./dev run` as a newcomer meets it: sign up, read the mail, follow the link,
land in the new tenant.

The real `./dev run` (scripts/devtool.py `run`, scripts/demo.py) is started
with a master database, ports, config file and mail folder of this test's
own; the walk follows the lines it prints: the sign-up page is submitted,
the confirmation mail is found on the mail page (caught by the SMTP sink the
master sends to), its link is followed, and the progress page's "Open" signs
in to the new tenant.  Then: a tenant, whose mail is neutralised, sends
nothing.  Everything it makes is named with SAAS_TEST_PREFIX + "run_" and
dropped at the end.
"""
import html
import os
import re
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import devtool  # noqa: E402
from loopback import free_port  # noqa: E402

from odoo_server import Rpc, TenantRpc, wait_for  # noqa: E402

PREFIX = os.environ.get("SAAS_TEST_PREFIX", "saas_test_") + "run_"
EMAIL = "newcomer@example.com"
PASSWORD = "Newcomer-pass-2026"
SUBDOMAIN = PREFIX.replace("_", "-").strip("-") + "-walk"
# generous liveness bounds, never timed assertions: a fresh master database
# (all addons, demo data) and the demo template are built first
START_TIMEOUT = 2400
TRY_LINE_RE = re.compile(r"^\[demo\]   (\w+) +(\S+)", re.M)


class Forms(HTMLParser):
    """Every form of a page: (its attributes, {input name: value})."""

    def __init__(self, text):
        super().__init__()
        self.forms = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs, {}))
        elif tag == "input" and self.forms and attrs.get("name"):
            if attrs.get("type") == "radio" and "checked" not in attrs:
                return
            self.forms[-1][1].setdefault(attrs["name"], attrs.get("value") or "")

    def form(self, **match):
        for attrs, inputs in self.forms:
            if all(attrs.get(k) == v for k, v in match.items()):
                return attrs, inputs
        raise AssertionError(f"no form {match} on the page")


class DevRun:
    """`./dev run`, started as a developer would, stopped by its pid."""

    def __init__(self, log_path, mail_dir):
        self.port, self.mail_smtp, self.mail_http = free_port(), free_port(), free_port()
        self.conf = devtool.RUN_DIR / f"{PREFIX}odoo.conf"
        self.log_path = log_path
        self.env = dict(
            os.environ, SAAS_DB=PREFIX + "master", SAAS_PREFIX=PREFIX,
            SAAS_HTTP_PORT=str(self.port), SAAS_GEVENT_PORT=str(free_port()),
            SAAS_MAIL_SMTP_PORT=str(self.mail_smtp), SAAS_MAIL_HTTP_PORT=str(self.mail_http),
            SAAS_MAIL_DIR=str(mail_dir), SAAS_CONF=str(self.conf))
        self.proc = None

    def start(self):
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([str(REPO / "dev"), "run"], env=self.env, cwd=REPO,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            text = self.log_path.read_text(errors="replace")
            tries = dict(TRY_LINE_RE.findall(text))
            if "tenant" in tries:  # the last line of "what to try"
                return tries, text
            assert "[dev] demo not prepared" not in text, self.tail()
            assert self.proc.poll() is None, self.tail()
            time.sleep(1)
        raise AssertionError(f"./dev run not ready in {START_TIMEOUT}s\n{self.tail()}")

    def tail(self):
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-40:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # devtool stops Odoo and the sink
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the session this test made
                self.proc.wait()
        if self.proc:
            self.log.close()
        self.conf.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def dev_run(tmp_path_factory):
    devtool.drop_prefixed(PREFIX)
    run = DevRun(devtool.RUN_DIR / f"{PREFIX}dev-run.log",
                 tmp_path_factory.mktemp("mail") / "mail")
    try:
        run.tries, run.printed = run.start()
        yield run
    finally:
        run.stop()
        devtool.drop_prefixed(PREFIX)


def mail_rows(mail_page):
    """(id, subject, recipients) of the mail page's rows, as listed."""
    return re.findall(r"<a href='/mail/(\d+-[0-9a-f]+)'>([^<]*)</a></td><td>([^<]*)</td>",
                      mail_page)


def test_signup_mail_link_tenant(dev_run):
    tries, printed = dev_run.tries, dev_run.printed
    page_url = tries["mail"]
    assert page_url == f"http://127.0.0.1:{dev_run.mail_http}", printed
    assert f"[dev] mail: {page_url}" in printed, "run prints the page's port"
    assert tries["signup"] == f"http://localhost:{dev_run.port}/saas/signup"
    assert "open the mail page, click the link" in printed
    mail_page = requests.get(page_url, timeout=60)
    assert mail_page.status_code == 200
    before = {row[0] for row in mail_rows(mail_page.text)}

    # 1. the sign-up form, submitted
    browser = requests.Session()
    form_page = browser.get(tries["signup"], timeout=60)
    assert form_page.status_code == 200, form_page.text[:500]
    _attrs, fields = Forms(form_page.text).form(id="saas_signup_form")
    assert fields.get("plan_id"), "a published plan is chosen"
    assert "password" not in fields, "the password is chosen after the address is confirmed"
    fields.update(subdomain=SUBDOMAIN, company_name="Newcomer Ltd", email=EMAIL)
    t_submit = time.monotonic()
    answer = browser.post(urljoin(tries["signup"], "/saas/signup"), data=fields, timeout=120)
    assert answer.status_code == 200, answer.text[:1000]
    assert "Check your mailbox" in answer.text and EMAIL in answer.text

    # 2. the mail page lists the confirmation, newest first
    def confirmation():
        rows = mail_rows(requests.get(page_url, timeout=60).text)
        new = [row for row in rows if row[0] not in before]
        return new if any(EMAIL in row[2] for row in new) else None

    new = wait_for(confirmation, 300, interval=0.2)
    t_mail = time.monotonic()
    assert new, f"no mail to {EMAIL} on {page_url}"
    ((mail_id, subject, _to),) = [row for row in new if row[2] == EMAIL]
    assert html.unescape(subject) == f"Confirm your email to create {SUBDOMAIN}"
    listed = [row[0] for row in mail_rows(requests.get(page_url, timeout=60).text)]
    assert mail_id in listed and listed == sorted(listed, reverse=True), "newest first"
    opened = requests.get(f"{page_url}/mail/{mail_id}", timeout=60)
    assert opened.status_code == 200
    body = requests.get(f"{page_url}/mail/{mail_id}/body", timeout=60).text
    links = [html.unescape(h) for h in re.findall(r'href="([^"]+)"[^>]*>\s*Confirm and choose',
                                                  body)]
    assert len(links) == 1, body
    link = links[0]
    assert link.startswith(f"http://localhost:{dev_run.port}/saas/signup/verify/"), link

    # 3. the link, followed: the set-password page; sent: an account,
    #    logged in, the progress page
    set_password = browser.get(link, timeout=120)
    assert set_password.status_code == 200, set_password.text[:1000]
    attrs, fields = Forms(set_password.text).form(**{"class": (
        "oe_signup_form o_saas_set_password_form")})
    assert fields["login"] == EMAIL
    fields.update(password=PASSWORD, confirm_password=PASSWORD)
    progress = browser.post(urljoin(link, attrs["action"]), data=fields, timeout=120)
    assert progress.status_code == 200, progress.text[:1000]
    assert urlsplit(progress.url).path.startswith("/saas/progress/"), progress.url
    status_url = urljoin(progress.url, urlsplit(progress.url).path + "/status")

    def done():
        state = browser.get(status_url, timeout=60).json()
        assert not state["failed"], state
        return state if state["done"] else None

    state = wait_for(done, 300, interval=0.2)
    assert state and state["state"] == "active", state

    # 4. "Open" (what the page does once ready): signed in to the tenant
    progress = browser.get(progress.url, timeout=60)
    attrs, fields = Forms(progress.text).form(**{"class": (
        "d-inline o_saas_progress_open_form o_no_wait_lazy_js")})
    sso = browser.post(urljoin(progress.url, attrs["action"]), data=fields, timeout=120)
    assert sso.status_code == 200, sso.text[:1000]
    attrs, fields = Forms(sso.text).form(method="post")
    tenant_host = f"{SUBDOMAIN}.localhost:{dev_run.port}"
    assert attrs["action"] == f"http://{tenant_host}/saas_sso/login", attrs
    server = f"http://127.0.0.1:{dev_run.port}"
    tenant = requests.Session()  # the tenant's cookies, sent with its Host
    tenant.headers["Host"] = tenant_host
    signed_in = tenant.post(server + "/saas_sso/login", data=fields, timeout=120)
    t_tenant = time.monotonic()
    assert signed_in.status_code == 200 and urlsplit(signed_in.url).path.startswith("/odoo"), \
        (signed_in.url, signed_in.text[:500])
    info = tenant.post(server + "/web/session/get_session_info", json={"params": {}},
                       timeout=60).json()["result"]
    assert info["username"] == EMAIL
    master = Rpc(server, dev_run.env["SAAS_DB"], "admin", "admin")
    (instance,) = master("saas.instance", "search_read", [("subdomain", "=", SUBDOMAIN)],
                         ["database_name", "state"])
    assert (info["db"], instance["state"]) == (instance["database_name"], "active")
    print(f"\n[walk] submit -> mail on the page {t_mail - t_submit:.2f}s, "
          f"-> signed in to the tenant {t_tenant - t_submit:.2f}s "
          f"(link -> tenant {t_tenant - t_mail:.2f}s)", flush=True)

    # 5. the welcome mail follows (a job, once the tenant is active)
    def welcome():
        rows = mail_rows(requests.get(page_url, timeout=60).text)
        return [row for row in rows if html.unescape(row[1]) == "Your Odoo Newcomer Ltd is ready"
                and row[2] == EMAIL]

    assert wait_for(welcome, 300, interval=0.5), "the welcome mail is on the mail page"

    # 6. the tenant sends nothing: a mail its administrator sends fails (no
    # mail server of its own, odoo.conf's smtp_server = False), the sink
    # catches nothing of it
    admin = TenantRpc(server, tenant_host, info["db"], EMAIL, PASSWORD)
    assert admin("ir.mail_server", "search_count", []) == 0
    outcome = admin.run_code("""
mail = env['mail.mail'].create({'subject': 'from the tenant', 'email_to': 'x@example.com',
                                'email_from': 'admin@example.com', 'body_html': '<p>hi</p>'})
mail.send()
outcome = '%s: %s' % (mail.state, mail.failure_reason)
""")
    # refused before any connection ("Missing SMTP Server", which Odoo 18's
    # connect() may fail to translate: int(None) on its local `user`)
    assert outcome.startswith("exception: "), outcome
    assert "Connection refused" not in outcome and "Errno" not in outcome, outcome
    listing = requests.get(page_url, timeout=60).text
    assert "from the tenant" not in listing
    assert not list(Path(dev_run.env["SAAS_MAIL_DIR"]).glob("*.tmp"))
