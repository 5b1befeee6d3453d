import logging
import re
import secrets
import unicodedata

import psycopg2
from werkzeug.urls import url_encode

from odoo import _, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request
from odoo.tools import escape_psql

from odoo.addons.auth_signup.models.res_partner import SignupError

from .. import signup_rules

_logger = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
# Deliberately narrower than RFC 5322: this address becomes a login and the
# tenant administrator's login; quoted local parts, comments and IP literals
# have no business there.
EMAIL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}"
                      r"[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$")
# Characters a company name never needs and markup/SQL payloads always do.
COMPANY_FORBIDDEN = set('<>"`;=\\{}[]|$')
# SQL comment markers: no company needs them.
COMPANY_FORBIDDEN_SEQUENCES = ("--", "/*", "*/")
COMPANY_MAX = 80
PASSWORD_MIN, PASSWORD_MAX = 8, 128
HONEYPOT_FIELD = "website"
FIELDS = ("plan_id", "subdomain", "company_name", "email", "signup_token")


def client_address():
    # With proxy_mode on, Odoo's werkzeug ProxyFix has already put the
    # client's address (X-Forwarded-For) in remote_addr.
    return request.httprequest.remote_addr or "unknown"


def _has_control(value):
    return any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") for char in value)


def subdomain_reason(env, subdomain):
    """Why ``subdomain`` cannot be had, or None: saas_base's rules (same
    reserved list and maximum length as instances), then availability.  No
    database is named after a subdomain (new tenants' names are opaque):
    a database of any name cannot hold one."""
    Instance = env["saas.instance"].sudo()
    try:
        Instance._check_subdomain_value(subdomain)
        # a pending sign-up's hold ends on time, not at the cron's next run
        Instance._signup_release_expired(subdomain)
        Instance._check_subdomain_available(subdomain)
    except ValidationError as exc:
        return exc.args[0]
    return None


def published_plans(env):
    return env["saas.plan"].sudo().search([("published", "=", True)], order="sequence, price, id")


def email_taken(env, email):
    """Whether a user (archived ones too) has ``email`` as login, compared
    exactly but case-insensitively: ``_`` and ``%`` (allowed in addresses)
    are escaped, so they are not LIKE wildcards matching someone else's."""
    return bool(env["res.users"].sudo().with_context(active_test=False).search_count(
        [("login", "=ilike", escape_psql(email))], limit=1))


def validate_signup(env, form):
    """Return (clean values, {field: reason}); nothing is written."""
    errors, clean = {}, {}
    plan_id = form.get("plan_id") or ""
    plan = env["saas.plan"]
    if plan_id.isascii() and plan_id.isdigit() and len(plan_id) < 10:
        plan = published_plans(env).filtered(lambda p: p.id == int(plan_id))
    if not plan:
        errors["plan_id"] = _("Choose one of the plans shown.")
    elif not (plan.template_id and plan.template_id.database_name):
        errors["plan_id"] = _("This plan cannot be ordered right now; please choose another.")
    clean["plan"] = plan

    subdomain = form.get("subdomain") or ""
    reason = subdomain_reason(env, subdomain)
    if reason:
        errors["subdomain"] = reason
    clean["subdomain"] = subdomain

    company = (form.get("company_name") or "").strip()
    if not company:
        errors["company_name"] = _("Your company name is required.")
    elif len(company) > COMPANY_MAX:
        errors["company_name"] = _("The company name is too long (at most %s characters).",
                                   COMPANY_MAX)
    elif (_has_control(company) or COMPANY_FORBIDDEN & set(company)
          or any(seq in company for seq in COMPANY_FORBIDDEN_SEQUENCES)):
        errors["company_name"] = _(
            "The company name may not contain control characters, -- nor any of %s",
            " ".join(sorted(COMPANY_FORBIDDEN)))
    clean["company_name"] = company

    email = (form.get("email") or "").strip()
    if not EMAIL_RE.fullmatch(email) or len(email) > 254 or ".." in email:
        errors["email"] = _("Enter a valid email address, e.g. name@company.com.")
    elif email_taken(env, email):
        errors["email"] = _("An account already uses this email address: log in "
                            "to your portal to order another instance.")
    clean["email"] = email.lower()

    token = form.get("signup_token") or ""
    if not TOKEN_RE.fullmatch(token):
        errors["signup_token"] = _("This form has expired: reload the page and try again.")
    clean["signup_token"] = token
    return clean, errors


def password_reason(password, confirm):
    """Why the password chosen on the set-password page cannot be had, or None."""
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        return _("The password needs at least %s characters.", PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return _("The password may have at most %s characters.", PASSWORD_MAX)
    if _has_control(password):
        return _("The password may not contain control characters.")
    if password != confirm:
        return _("The two passwords do not match.")
    return None


class SaasSignup(http.Controller):

    def _signup_values(self, form=None, errors=None, error=None):
        form = dict(form or {})
        if not TOKEN_RE.fullmatch(form.get("signup_token") or ""):
            form["signup_token"] = secrets.token_hex(16)
        Instance = request.env["saas.instance"].sudo()
        scheme, domain = Instance._url_settings()
        return {
            "plans": published_plans(request.env),
            "form": form,
            "errors": errors or {},
            "error": error,
            "honeypot_field": HONEYPOT_FIELD,
            "base_domain": domain,
            "url_scheme": scheme,
            "max_length": Instance._subdomain_max_length(),
            "page_name": "saas_signup",
        }

    def _render_form(self, form=None, errors=None, error=None, status=200):
        response = request.render("saas_portal.signup_page",
                                  self._signup_values(form, errors, error))
        response.status_code = status
        return response

    # website=True: the route is a frontend page (languages, layout values);
    # it needs no "website" addon.
    @http.route("/saas/signup", type="http", auth="public", methods=["GET"], website=True,
                sitemap=True)
    def signup_form(self, plan_id=None, **kw):
        form = {"plan_id": plan_id} if plan_id else {}
        return self._render_form(form)

    @http.route("/saas/signup/check", type="http", auth="public", methods=["GET"],
                readonly=False, sitemap=False)
    def signup_check(self, subdomain="", **kw):
        Attempt = request.env["saas.signup.attempt"]
        _attempt, over = Attempt._record_attempt(client_address(), "check")
        if over:
            return request.make_json_response(
                {"available": False, "throttled": True,
                 "reason": _("Too many checks from your address; wait a minute.")}, status=429)
        reason = subdomain_reason(request.env, subdomain)
        scheme, domain = request.env["saas.instance"].sudo()._url_settings()
        url = f"{scheme}://{subdomain}.{domain}"
        return request.make_json_response({
            "subdomain": subdomain,
            "available": not reason,
            "reason": reason or _("Available: your Odoo will be at %(url)s", url=url),
        })

    @http.route("/saas/signup", type="http", auth="public", methods=["POST"], website=True,
                sitemap=False)
    def signup_submit(self, **form):
        env = request.env
        form = {key: value for key, value in form.items() if isinstance(value, str)}
        Attempt = env["saas.signup.attempt"]
        attempt, over = Attempt._record_attempt(client_address(), "signup")
        if over == signup_rules.GLOBAL_CAP:
            return self._render_form(form, error=_(
                "We are receiving an unusual number of sign-ups; please try again in an "
                "hour."), status=429)
        if over:
            return self._render_form(form, error=_(
                "Too many sign-ups from your address; please try again in an hour."), status=429)
        if form.get(HONEYPOT_FIELD):
            # Only robots fill a field that people cannot see; say little.
            attempt.result = "honeypot"
            return self._render_form(form, error=_("Your request could not be processed."),
                                     status=400)
        captcha_error = Attempt._captcha_verify(form, client_address())
        if captcha_error:
            attempt.result = "captcha"
            return self._render_form(form, error=captcha_error, status=400)
        # A second submission of the same form (double click, back + resend):
        # lead to the instance that the first one created.
        token = form.get("signup_token") or ""
        if TOKEN_RE.fullmatch(token):
            existing = env["saas.instance"].sudo().search([("signup_token", "=", token)], limit=1)
            if existing:
                attempt.write({"result": "duplicate", "instance_id": existing.id})
                if request.session.uid and existing.partner_id.commercial_partner_id == \
                        env.user.commercial_partner_id:
                    return request.redirect(f"/saas/progress/{existing.id}")
                return self._render_form(form, error=_(
                    "This form was already submitted; log in to follow your instance."),
                    status=409)
        clean, errors = validate_signup(env, form)
        if not errors:
            # one lock per address: two parallel forms of one email are counted
            env.cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                           [f"saas_portal:pending:{clean['email']}"])
            if signup_rules.pending_refusal(
                    env["saas.instance"]._signup_pending_count(clean["email"])):
                attempt.result = signup_rules.PENDING_CAP
                return self._render_form(form, errors={"email": _(
                    "Sign-ups of this address already wait for confirmation: follow the "
                    "link in the mail we sent, or try again in an hour.")}, status=429)
        if errors:
            attempt.result = "invalid: " + ", ".join(sorted(errors))
            return self._render_form(form, errors=errors, status=400)
        if not env["saas.server"].sudo()._pick_for_new_instance():
            # Refused before anything is made: no half-made tenant waits for
            # a server that has no room.
            attempt.result = "no_capacity"
            _logger.warning("sign-up of %s refused: no server with free capacity",
                            clean["subdomain"])
            return self._render_form(form, error=_(
                "We cannot take new sign-ups right now: our servers are full. Please try "
                "again later; nothing was created and your details were not kept."), status=503)
        try:
            with env.cr.savepoint():
                instance, token = self._create_signup(clean)
        except psycopg2.IntegrityError:
            # the unique indexes answered: a parallel submission won the race
            attempt.result = "race"
            return self._render_form(form, errors={"subdomain": _(
                "The subdomain %(sub)r is already taken by another instance.",
                sub=clean["subdomain"])}, status=409)
        except UserError as exc:
            attempt.result = "refused"
            return self._render_form(form, error=str(exc.args[0] if exc.args else exc),
                                     status=400)
        attempt.write({"result": "pending", "instance_id": instance.id})
        env.cr.commit()
        if instance._signup_verify_required():
            # No account, no session, no database until the link in the mail
            # is followed and a password chosen.
            return request.render("saas_portal.signup_check_mail", {
                "instance": instance, "email": clean["email"],
                "hours": instance._signup_verify_hours(), "page_name": "saas_signup"})
        # Verification off: the set-password page follows at once.
        return request.redirect(self._set_password_url(instance, token))

    @staticmethod
    def _set_password_url(instance, token):
        return f"/saas/signup/verify/{instance.id}?{url_encode({'token': token})}"

    def _log_in(self, user):
        # Their password was hashed a moment ago in this very request;
        # checking it again (session.authenticate) would only cost another
        # PBKDF2 round-trip (~0.5 s).  A new account has no second factor,
        # so the session is finalised at once, as Session.authenticate does
        # in that case.
        request.session.pre_login = user.login
        request.session.pre_uid = user.id
        request.session.finalize(request.env)

    @staticmethod
    def _create_user(env, partner, email, name, password):
        # auth_signup's path: a copy of the portal template user, so the new
        # account gets exactly the portal groups configured for sign-ups.
        return env["res.users"].sudo().with_context(no_reset_password=True)._signup_create_user({
            "login": email,
            "email": email,
            "name": name,
            "password": password,
            "partner_id": partner.id,
        })

    def _create_signup(self, clean):
        """Partner and instance in draft, holding the subdomain, and the
        token of the set-password link (mailed when verification is on).  No
        account, no password, nothing sealed.  In the caller's transaction
        (one savepoint: all or nothing).  Returns (instance, token)."""
        env = request.env
        partner = env["res.partner"].sudo().create({
            "name": clean["company_name"],
            "email": clean["email"],
            "is_company": True,
        })
        instance = env["saas.instance"].sudo().create({
            "name": clean["company_name"],
            "subdomain": clean["subdomain"],
            "partner_id": partner.id,
            "plan_id": clean["plan"].id,
            "admin_login": clean["email"],
            "user_id": False,
            "portal_signup": True,
            "signup_token": clean["signup_token"],
        })
        token = instance._signup_prepare_verification(
            send_mail=instance._signup_verify_required())
        return instance, token

    @staticmethod
    def _password_hash(user):
        """The hash Odoo just stored for the new account: the tenant's
        administrator gets the same password without hashing it again
        (600,000 PBKDF2 rounds, half a second)."""
        user.env.flush_all()
        user.env.cr.execute("SELECT password FROM res_users WHERE id = %s", [user.id])
        return user.env.cr.fetchone()[0]

    def _render_set_password(self, instance, token, error=None, refusal=None, status=200):
        response = request.render("saas_portal.signup_set_password", {
            "instance": instance, "token": token, "error": error, "refusal": refusal,
            # auth_signup.fields: the login shown, not editable
            "login": instance.admin_login, "name": instance.name, "only_passwords": True,
            "login_query": url_encode({"login": instance.admin_login}),
            "account_exists": bool(refusal) and email_taken(request.env, instance.admin_login),
            "page_name": "saas_signup"})
        response.status_code = status
        return response

    def _verify_refusal(self, instance):
        """Why a valid link cannot make the account now, or None."""
        env = request.env
        if email_taken(env, instance.admin_login):
            # Never hand over an existing account: its owner logs in (or
            # resets their password) the usual way.
            return _("An account already uses this email address: log in, or reset your "
                     "password if you forgot it. This link creates no account.")
        if not env["saas.server"].sudo()._pick_for_new_instance():
            return _("Your address is confirmed, but our servers are full right now: "
                     "follow the same link again later (it stays valid for %s hours "
                     "after your sign-up).", instance._signup_verify_hours())
        return None

    @http.route("/saas/signup/verify/<int:instance_id>", type="http", auth="public",
                methods=["GET"], website=True, sitemap=False)
    def signup_verify(self, instance_id, token="", **kw):
        """The link of the verification mail: the set-password page.  A GET
        changes nothing (mail scanners open links too)."""
        instance = request.env["saas.instance"].sudo().browse(instance_id).exists()
        if not (instance and instance._signup_check_verify_token(token)):
            return request.not_found()
        return self._render_set_password(instance, token,
                                         refusal=self._verify_refusal(instance))

    @http.route("/saas/signup/verify/<int:instance_id>", type="http", auth="public",
                methods=["POST"], website=True, sitemap=False)
    def signup_set_password(self, instance_id, token="", password="", confirm_password="",
                            **kw):
        """The set-password page sent: the portal user is created with this
        password, the browser logged in and the instance provisioned, only
        now.  The token is spent."""
        env = request.env
        instance = env["saas.instance"].sudo().browse(instance_id).exists()
        if not instance:
            return request.not_found()
        # one POST at a time per sign-up: the token is spent once
        env.cr.execute("SELECT id FROM saas_instance WHERE id = %s FOR UPDATE", [instance.id])
        instance.invalidate_recordset()
        if not instance._signup_check_verify_token(token):
            return request.not_found()
        refusal = self._verify_refusal(instance)
        if refusal:
            return self._render_set_password(instance, token, refusal=refusal, status=409)
        reason = password_reason(password, confirm_password)
        if reason:
            return self._render_set_password(instance, token, error=reason, status=400)
        try:
            with env.cr.savepoint():
                user = self._create_user(env, instance.partner_id, instance.admin_login,
                                         instance.name, password)
                instance._signup_verify(token, admin_password_hash=self._password_hash(user))
                env["saas.signup.attempt"]._record_verified(client_address(), instance)
        except (UserError, SignupError, psycopg2.IntegrityError) as exc:
            _logger.warning("verified sign-up %s cannot be provisioned: %s", instance_id, exc)
            return self._render_set_password(instance, token, status=503, refusal=_(
                "We cannot create your Odoo right now; please follow the same link again "
                "later."))
        env.cr.commit()
        self._log_in(user)
        return request.redirect(f"/saas/progress/{instance.id}")

    # ------------------------------------------------------------------
    # progress page
    # ------------------------------------------------------------------
    def _progress_instance(self, instance_id):
        # Import here: portal.py imports this module.
        from .portal import SaasCustomerPortal
        try:
            return SaasCustomerPortal()._document_check_access("saas.instance", instance_id)
        except (AccessError, MissingError):
            return None

    @http.route("/saas/progress/<int:instance_id>", type="http", auth="user",
                methods=["GET"], website=True, sitemap=False)
    def progress_page(self, instance_id, **kw):
        instance = self._progress_instance(instance_id)
        if not instance:
            return request.not_found()
        return request.render("saas_portal.progress_page", {
            "instance": instance,
            "progress": instance._portal_progress(),
            "detail_url": f"/my/saas/{instance.id}",
            "page_name": "saas_progress",
        })

    @http.route("/saas/progress/<int:instance_id>/status", type="http", auth="user",
                methods=["GET"], readonly=True, sitemap=False)
    def progress_status(self, instance_id, **kw):
        instance = self._progress_instance(instance_id)
        if not instance:
            return request.make_json_response({"error": "not found"}, status=404)
        return request.make_json_response(instance._portal_progress())
