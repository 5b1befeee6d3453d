import werkzeug.exceptions

from odoo import models
from odoo.exceptions import AccessDenied
from odoo.http import Response, request

from .. import limits

# Paths a suspended instance still serves: the login form (it shows why a
# login is refused), what that form needs, logging out, and the RPC entry
# points, which res.users refuses with a proper RPC fault (see
# ResUsers.check / _check_credentials) rather than an HTML page.
ALLOWED_PREFIXES = (
    "/web/login",
    "/web/session/logout",
    "/web/assets/",
    "/web/static/",
    "/web/binary/company_logo",
    "/web/webclient/translations",
    "/web/health",
    "/xmlrpc/",
    "/jsonrpc",
    "/favicon.ico",
    "/robots.txt",
)


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _authenticate(cls, endpoint):
        super()._authenticate(endpoint)
        cls._saas_tenant_check_suspended(endpoint)

    @classmethod
    def _saas_tenant_check_suspended(cls, endpoint):
        # The declared routes too: website serves /fr/web/login for /web/login.
        routes = endpoint.routing.get("routes") or ()
        if request.httprequest.path.startswith(ALLOWED_PREFIXES) or any(
            route.startswith(ALLOWED_PREFIXES) for route in routes
        ):
            return
        settings = limits.read_settings(request.env.cr)
        if not limits.is_suspended(settings):
            return
        if request.dispatcher.routing_type == "json":
            # JSON routes (/web/dataset/call_kw, ...) answer a JSON-RPC error
            # the web client displays.
            raise AccessDenied(limits.suspended_message(settings))
        # abort() with a response bypasses the normal dispatch and rolls the
        # transaction back: nothing of the request is executed.
        werkzeug.exceptions.abort(
            Response(
                limits.suspended_page(settings),
                status=503,
                content_type="text/html; charset=utf-8",
                headers={"Retry-After": "3600", "Cache-Control": "no-store"},
            )
        )

    def session_info(self):
        info = super().session_info()
        if request and request.session.uid and not self.env.user.share:
            # The banner of the web client (static/src/storage_banner.js).
            info["saas_storage_warning"] = self.env["ir.attachment"]._saas_storage_warning()
        return info
