from odoo import http
from odoo.http import request

from odoo.addons.web.controllers.home import Home

from .. import limits


class SaasTenantHome(Home):
    @http.route()
    def web_login(self, redirect=None, **kw):
        response = super().web_login(redirect=redirect, **kw)
        # Tell visitors before they type their password (a refused POST
        # already carries the message of res.users).
        qcontext = getattr(response, "qcontext", None)
        if qcontext is not None and not qcontext.get("error") and request.db:
            settings = limits.read_settings(request.env.cr)
            if limits.is_suspended(settings):
                qcontext["error"] = limits.suspended_message(settings)
        return response
