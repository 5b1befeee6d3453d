import logging

from markupsafe import Markup

from odoo import http
from odoo.exceptions import AccessDenied
from odoo.http import request

from odoo.addons.web.controllers.utils import _get_login_redirect_url

from .. import sso
from ..models.res_users_sso import CREDENTIAL_TYPE

_logger = logging.getLogger(__name__)

# One message for every refusal: the reason (expired, replayed, forged, ...)
# goes to the server log only, never to whoever holds the token.
REFUSED_PAGE = Markup(
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/>"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
    "<title>Sign-in refused</title></head>"
    "<body style=\"font-family:sans-serif;max-width:32em;margin:10vh auto\">"
    "<h1>Sign-in refused</h1>"
    "<p>This sign-in link is invalid or has expired. Links are valid once and "
    "for a short time: go back to your customer portal and open the instance "
    "again.</p>"
    "<p><a href=\"/web/login\">Log in with a password</a></p></body></html>"
)


class SaasTenantSso(http.Controller):
    # POST only: the master answers "Open" with a form that the browser
    # submits here, so the token travels in the request body and never in a
    # URL (access logs, browser history, Referer).  No CSRF token: the
    # request comes from the master's page, and the signed single-use token
    # is itself the proof.  GET is refused (405): no caller of ours sends it.
    @http.route("/saas_sso/login", type="http", auth="none", methods=["POST"],
                readonly=False, csrf=False, save_session=True)
    def saas_sso_login(self, token=None, **kw):
        if not request.db:
            return self._refused("no database selected")
        try:
            login = sso.unverified_subject(token)
        except sso.SsoError as exc:
            return self._refused(str(exc))
        credential = {"type": CREDENTIAL_TYPE, "login": login, "token": token}
        try:
            # res.users verifies the token (models/res_users_sso.py); Odoo's
            # own login path then opens the session (rotated sid, session
            # token, MFA step if the user set one up).
            auth_info = request.session.authenticate(request.db, credential)
        except AccessDenied as exc:
            return self._refused(f"login {login!r}: {exc or 'access denied'}")
        response = request.redirect(_get_login_redirect_url(auth_info["uid"], "/odoo"), 303)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _refused(self, reason):
        remote = request.httprequest.remote_addr
        _logger.warning("SSO login refused on %s from %s: %s", request.db, remote, reason)
        return request.make_response(
            str(REFUSED_PAGE), status=403,
            headers=[("Content-Type", "text/html; charset=utf-8"),
                     ("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer")],
        )
