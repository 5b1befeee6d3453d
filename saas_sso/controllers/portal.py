from odoo import http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request

from odoo.addons.saas_portal.controllers.portal import SaasCustomerPortal

from .main import refused_response, sso_post_response


class SaasSsoPortal(SaasCustomerPortal):
    """The instance page's sign-on part: Open, and who may open it."""

    # POST with Odoo's CSRF check (type="http" routes check it on POST): a
    # link or a form on another site does nothing; a GET answers 405.
    @http.route("/my/saas/<int:instance_id>/open", type="http", auth="user", methods=["POST"])
    def portal_my_saas_open(self, instance_id, reason=None, **kw):
        instance = self._saas_instance(instance_id)
        if not instance or instance.state != "active":
            return request.not_found()
        try:
            # As the user, not sudo: saas_sso decides who may open which
            # tenant login (access list, ownership, support with a reason).
            form = request.env["saas.instance"].browse(instance.id)._sso_login_form(
                reason=reason)
        except AccessError as exc:
            return refused_response(exc.args[0], status=403)
        except UserError as exc:
            return refused_response(exc.args[0], status=400)
        return sso_post_response(form)

    @http.route("/my/saas/<int:instance_id>/access", type="http", auth="user",
                methods=["POST"], website=True)
    def portal_my_saas_access(self, instance_id, partner_id=None, tenant_login=None,
                              remove_id=None, **kw):
        """The owner grants or removes a colleague's right to open the instance."""
        instance = self._saas_instance(instance_id)
        if not instance:
            return request.not_found()
        as_user = request.env["saas.instance"].browse(instance.id)
        try:
            if remove_id:
                line = request.env["saas.instance.access"].sudo().browse(
                    int(remove_id) if str(remove_id).isdigit() else 0).exists()
                as_user._sso_remove_access(line)
            else:
                candidates = as_user._sso_access_candidates()
                partner = candidates.filtered(lambda p: str(p.id) == str(partner_id))
                if not partner:
                    return request.redirect(f"/my/saas/{instance.id}?access_error=contact")
                with request.env.cr.savepoint():
                    as_user._sso_set_access(partner, tenant_login)
        except AccessError as exc:
            return refused_response(exc.args[0], status=403)
        except ValidationError:
            return request.redirect(f"/my/saas/{instance.id}?access_error=login")
        return request.redirect(f"/my/saas/{instance.id}#access")
