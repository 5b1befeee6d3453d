import secrets
import threading

import requests
from markupsafe import escape

from odoo.tests import new_test_user, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

from odoo.addons.saas_base.tools.subdomain import DEFAULT_RESERVED
from odoo.addons.saas_provisioning.tests.common import create_instance

from ..controllers.signup import subdomain_reason
from .common import CSRF_RE, TOKEN_RE, SaasPortalCase

SQL = [
    "h7'; DROP TABLE saas_instance;--",
    "x' OR '1'='1",
    "1; SELECT pg_sleep(5)",
    'h7"; --',
    "') OR ('a'='a",
    "h7' UNION SELECT password FROM res_users--",
    "admin'--",
    "' OR 1=1#",
    "h7; DELETE FROM res_users",
    "1' AND SLEEP(5)--",
    "%27%20OR%201=1",
    "\\'; DROP DATABASE saas_master; --",
]
HTML = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "h7<b>x</b>",
    "{{7*7}}",
    "${7*7}",
    "<iframe src=//evil>",
    "<a href=javascript:alert(1)>x</a>",
    "<body onload=alert(1)>",
    "'\"><svg onload=alert(1)>",
    '<!--#exec cmd="ls"-->',
]
LOOKALIKES = [
    "\u0430pple",  # Cyrillic a
    "\u0455hop",  # Cyrillic dze
    "\u03bfdoo",  # Greek omicron
    "\uff53\uff48\uff4f\uff50",  # fullwidth shop
    "shop\u200b",  # zero-width space
    "sh\u00adop",  # soft hyphen
    "\u0131stanbul",  # dotless i
    "caf\u00e9",
    "stra\u00dfe",
    "\u24e2\u24d7\u24de\u24df",  # circled letters
    "\U0001d42c\U0001d421\U0001d428\U0001d429",  # mathematical bold
    "shop\u202eevil",  # right-to-left override
    "h7\u2013dash",  # en dash
    "h7\u2010x",  # unicode hyphen
    "\u0440\u0430\u0443\u0440\u0430l",  # Cyrillic "paypal"
    "\u0455\u04bb\u043e\u0440",  # all-Cyrillic "shop"
    "g\u043e\u043egle",  # Cyrillic o's
    "h7\u00a0x",  # no-break space
    "h7\u3000x",  # ideographic space
]
TAKEN = ["h7-taken-1", "h7-taken-2", "h7-taken-3", "h7-taken-4", "h7-taken-5"]
PUNYCODE = ["xn--80ak6aa92e", "xn--pple-43d", "xn--e1afmkfd", "xn--mgbh0fb", "ab--cd", "zz--top"]
LENGTHS = ["a" * 64, "h7-" + "x" * 61, "b" * 65, "x" * 300, "ab", "a", ""]
SYNTAX = ["-h7", "h7-", "H7-Shop", "h7_shop", "h7.shop", "h7 shop", " h7shop", "h7shop ",
          "h7/shop", "h7@shop", "h7%00", "..", "h7\nshop", "h7\x00shop", "*", "h7*",
          "h7:8069", "h7\tx"]
EXTRA_RESERVED = ["h7-billing", "h7-shop-admin"]
# where each field's reason is shown on the page
MARKERS = {
    "subdomain": "o_saas_subdomain_feedback",
    "company_name": "o_saas_error_company_name",
    "email": "o_saas_error_email",
    "plan_id": "o_saas_error_plan_id",
    "signup_token": "o_saas_error_signup_token",
    "honeypot": "o_saas_signup_error",
}


@tagged("post_install", "-at_install")
class TestHostileSignups(SaasPortalCase):
    """Hundreds of hostile sign-ups over real HTTP: none creates an
    instance, a database, a user or a job, and each gets its reason."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "saas_base.reserved_subdomains", ",".join(EXTRA_RESERVED))
        partner = cls.env["res.partner"].create({"name": "Holder"})
        for sub in TAKEN:
            create_instance(cls.env, sub, partner, cls.plan_small)
        cls.existing_user = new_test_user(cls.env, login="taken@acme.test",
                                          groups="base.group_portal")

    def _cases(self):
        """(label, overrides, field, expected message)"""
        env = self.env
        cases = []
        # one character over the maximum (a DNS label's 63: the database name,
        # opaque, does not hold the subdomain)
        just_too_long = "c" * (env["saas.instance"]._subdomain_max_length() + 1)
        for sub in (sorted(DEFAULT_RESERVED) + EXTRA_RESERVED + PUNYCODE + LOOKALIKES + LENGTHS
                    + [just_too_long] + SYNTAX + SQL + HTML + TAKEN):
            cases.append((f"subdomain {sub!r}", {"subdomain": sub}, "subdomain",
                          subdomain_reason(env, sub)))
        control = ["Acme\x00", "Acme\x1b[31m", "Acme\u202eevil", "Acme\r\nBcc: x@y.z", "Ac\x07me"]
        for name in SQL + HTML + control:
            cases.append((f"company {name!r}", {"company_name": name}, "company_name",
                          "may not contain"))
        for name in ["", "   ", "x" * 81, "y" * 600]:
            cases.append((f"company {name[:10]!r}", {"company_name": name}, "company_name",
                          "required" if not name.strip() else "too long"))
        bad_emails = [
            "a'--@x.com", "x@x.com'; DROP TABLE res_users;--", '" OR 1=1 --@x.com',
            "<script>@x.com", "a@x.com<script>alert(1)</script>", "a@<b>.com",
            "plainaddress", "@x.com", "a@", "a@x", "a..b@x.com", "a@x..com", "a b@x.com",
            "a@x.com,b@y.com", "a@x.com\r\nBcc: c@d.com", "a@x.com\nbcc:c@d.com",
            "\u043ewner@acme.test", ("l" * 300) + "@x.com", ".a@x.com", "a@-x.com",
        ]
        for email in bad_emails:
            cases.append((f"email {email[:30]!r}", {"email": email}, "email", "valid email"))
        cases.append(("email already used", {"email": "TAKEN@acme.test"}, "email",
                      "already uses this email"))
        # A password on the form is no field of it: ignored, never stored.
        for password in SQL + HTML:
            cases.append((f"password payload {password!r}",
                          {"password": password + "-long-enough", "plan_id": "x"},
                          "plan_id", "Choose one of the plans"))
        for plan in ["", "0", "-1", "99999999", "1 OR 1=1", "1; DROP TABLE saas_plan",
                     "<script>alert(1)</script>", str(self.plan_hidden.id), "1e3",
                     f" {self.plan_small.id}", "\u0967", "'" + str(self.plan_small.id)]:
            cases.append((f"plan {plan!r}", {"plan_id": plan}, "plan_id",
                          "Choose one of the plans"))
        for token in ["", "abc", "x" * 32, SQL[0], HTML[0], "0" * 31, "A" * 32, "0" * 33]:
            cases.append((f"token {token!r}", {"signup_token": token}, "signup_token",
                          "form has expired"))
        for value in ["http://spam.example", "x", " "]:
            cases.append((f"honeypot {value!r}", {"website": value}, "honeypot",
                          "could not be processed"))
        return cases

    def test_hostile_signups_create_nothing(self):
        cases = self._cases()
        self.assertGreaterEqual(len(cases), 200)
        before = self._counts()
        csrf, _token = self._form()
        failures = []
        for index, (label, overrides, field, expected) in enumerate(cases):
            data = {
                "csrf_token": csrf, "signup_token": secrets.token_hex(16),
                "plan_id": str(self.plan_small.id), "subdomain": f"h7-ok-{index}",
                "company_name": "Fine Company", "email": f"fine{index}@acme.test",
                "website": "",
            }
            data.update(overrides)
            response = self._post_signup(data)
            text = response.text
            if response.status_code not in (400, 409):
                failures.append(f"{label}: status {response.status_code}")
                continue
            self.assertTrue(expected, label)
            if str(escape(expected)) not in text:
                failures.append(f"{label}: message {expected!r} not shown")
            marker = MARKERS[field]
            at = text.find(marker)
            if at < 0 or str(escape(expected)) not in text[at:at + 1500]:
                failures.append(f"{label}: message not next to the field {field}")
            for value in overrides.values():
                if any(c in value for c in '<>"') and value in text:
                    failures.append(f"{label}: {value!r} echoed unescaped")
            if len(overrides.get("password") or "") >= 8 and \
                    str(escape(overrides["password"])) in text:
                failures.append(f"{label}: password echoed")
        self.assertFalse(failures, "\n".join(failures))
        self.assertEqual(self._counts(), before)
        refused = self.env["saas.signup.attempt"].search_count(
            [("kind", "=", "signup"), ("result", "!=", "accepted")])
        self.assertGreaterEqual(refused, len(cases))

    def test_hostile_passwords_set_nothing(self):
        """The set-password page refuses bad passwords with their reason,
        echoes none, and makes no account; SQL and HTML are valid password
        characters (hashed, never rendered nor interpolated)."""
        first = self._post_signup(self._signup_data(subdomain="h7-pw", email="pw@acme.test"))
        self.assertEqual(first.status_code, 303)
        link = first.headers["Location"]
        before = self._counts()
        failures = []
        for password, reason in [("", "at least 8"), ("short", "at least 8"),
                                 ("1234567", "at least 8"), ("x" * 129, "at most 128"),
                                 ("pass\x00word123", "control"), ("pass\x1bword123", "control")]:
            response = self._set_password(link, password=password)
            if response.status_code != 400 or str(escape(reason)) not in response.text:
                failures.append(f"{password!r}: {response.status_code}")
            if len(password) >= 8 and password in response.text:
                failures.append(f"{password!r} echoed")
        for payload in SQL[:3] + HTML[:3]:
            response = self._set_password(link, password=payload + "-long-enough",
                                          confirm=payload + "-long-enouhg")
            if response.status_code != 400 or "do not match" not in response.text:
                failures.append(f"{payload!r}: {response.status_code}")
            if str(escape(payload + "-long-enough")) in response.text:
                failures.append(f"{payload!r} echoed")
        self.assertFalse(failures, "\n".join(failures))
        self.assertEqual(self._counts(), before, "no account, nothing queued")
        done = self._set_password(link, password=SQL[0] + "-long-enough")
        self.assertEqual(done.status_code, 303, done.text[:500])
        self.assertEqual(self.env["res.users"].search_count([("login", "=", "pw@acme.test")]), 1)

    def test_rate_limit_per_address(self):
        self.env["ir.config_parameter"].sudo().set_param("saas_portal.signup_rate_limit", "3")
        self.env["saas.signup.attempt"].search([]).unlink()
        before = self._counts()
        csrf, _token = self._form()
        statuses = []
        for index in range(23):
            data = self._signup_data(csrf_token=csrf, signup_token=secrets.token_hex(16),
                                     subdomain=f"h7-rl-{index}" if index >= 3 else "www",
                                     email=f"rl{index}@acme.test")
            response = self._post_signup(data)
            statuses.append(response.status_code)
            if index >= 3:
                self.assertIn("Too many sign-ups from your address", response.text)
        self.assertEqual(statuses, [400] * 3 + [429] * 20)
        self.assertEqual(self._counts(), before, "valid sign-ups over the limit create nothing")

    def _thread_session(self):
        session = requests.Session()
        session.cookies.set(TEST_CURSOR_COOKIE_NAME, self.http_request_key)
        page = session.get(self.base_url() + "/saas/signup", timeout=60)
        return session, CSRF_RE.search(page.text).group(1), TOKEN_RE.search(page.text).group(1)

    def _race(self, payloads):
        """POST all payloads at once from threads (real HTTP, own sessions)."""
        barrier = threading.Barrier(len(payloads))
        results = [None] * len(payloads)

        def run(i, session, data):
            barrier.wait()
            try:
                results[i] = session.post(self.base_url() + "/saas/signup", data=data,
                                          timeout=120, allow_redirects=False)
            except requests.RequestException as exc:  # pragma: no cover
                results[i] = exc

        threads = [threading.Thread(target=run, args=(i, s, d))
                   for i, (s, d) in enumerate(payloads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results

    def test_concurrent_duplicates(self):
        before = self._counts()
        # 6 browsers want the same subdomain at the same instant
        payloads = []
        for index in range(6):
            session, csrf, token = self._thread_session()
            payloads.append((session, {
                "csrf_token": csrf, "signup_token": token, "plan_id": str(self.plan_small.id),
                "subdomain": "h7-race", "company_name": f"Racer {index}",
                "email": f"racer{index}@acme.test", "website": ""}))
        results = self._race(payloads)
        codes = sorted(r.status_code for r in results)
        self.assertEqual(codes.count(303), 1, codes)
        for response in results:
            if response.status_code != 303:
                self.assertIn(response.status_code, (400, 409))
                self.assertIn("already taken", response.text)
        # one browser double-clicks: 5 copies of one form (same session, token)
        session, csrf, token = self._thread_session()
        data = {"csrf_token": csrf, "signup_token": token, "plan_id": str(self.plan_small.id),
                "subdomain": "h7-dblclick", "company_name": "Clicker",
                "email": "clicker@acme.test", "website": ""}
        results = self._race([(session, dict(data)) for _i in range(5)])
        locations = {r.headers["Location"] for r in results if r.status_code == 303}
        self.assertLessEqual(len(locations), 1, locations)
        for response in results:
            if response.status_code != 303:
                self.assertTrue(any(m in response.text for m in (
                    "already submitted", "already taken", "Session expired")), response.text[:500])
        after = self._counts()
        self.assertEqual(after["instances"], before["instances"] + 2)
        self.assertEqual(after["users"], before["users"], "no account before a password is set")
        self.assertEqual(self.env["saas.instance"].search_count(
            [("subdomain", "in", ("h7-race", "h7-dblclick"))]), 2)
        self.assertEqual(after["databases"], before["databases"], "jobs are not run here")
