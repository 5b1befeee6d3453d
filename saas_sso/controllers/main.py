from markupsafe import Markup

from odoo import _, http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

# The page that carries the token to the tenant: a form the browser submits
# at once (a button if scripts are off).  The token is in the body of that
# POST, never in a URL: neither the master's nor the tenant's access log,
# browser history or a Referer header sees it.
POST_PAGE = Markup(
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/>"
    "<meta name=\"referrer\" content=\"no-referrer\"/>"
    "<title>%(title)s</title></head>"
    "<body onload=\"document.forms[0].submit()\" "
    "style=\"font-family:sans-serif;max-width:32em;margin:10vh auto\">"
    "<form method=\"post\" action=\"%(action)s\">"
    "<input type=\"hidden\" name=\"token\" value=\"%(token)s\"/>"
    "<p>%(text)s</p><noscript><button type=\"submit\">%(button)s</button></noscript>"
    "</form></body></html>"
)


def sso_post_response(form):
    """HTTP response that posts ``form`` (``_sso_login_form``'s dict) to the tenant."""
    body = POST_PAGE % {
        "title": _("Opening your Odoo"),
        "action": form["action"],
        "token": form["token"],
        "text": _("Opening your Odoo…"),
        "button": _("Continue"),
    }
    return request.make_response(str(body), headers=[
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
    ])


def refused_response(message, status=403):
    return request.make_response(
        str(Markup("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/><title>%s</title>"
                   "</head><body style=\"font-family:sans-serif;max-width:32em;margin:10vh auto\">"
                   "<p>%s</p></body></html>") % (_("Not allowed"), message)),
        status=status, headers=[("Content-Type", "text/html; charset=utf-8"),
                                ("Cache-Control", "no-store")])


class SaasSsoSupport(http.Controller):
    @http.route("/saas_sso/support/<int:wizard_id>", type="http", auth="user",
                methods=["GET"], readonly=False, sitemap=False)
    def saas_sso_support(self, wizard_id, **kw):
        """Backend support login.  A GET, but it only acts on a wizard the same
        manager filled in (with its reason) moments ago, and only once: a link
        from elsewhere cannot make one."""
        wizard = request.env["saas.sso.support.wizard"]._ticket(wizard_id)
        if not wizard:
            return refused_response(_("This support login has expired or was already used: "
                                      "start it again from the instance."), status=404)
        try:
            form = wizard.instance_id._sso_login_form(wizard.tenant_login, wizard.reason)
        except AccessError as exc:
            return refused_response(exc.args[0])
        except UserError as exc:
            return refused_response(exc.args[0], status=400)
        return sso_post_response(form)
