from odoo import _, http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from odoo.addons.saas_portal.controllers.portal import SaasCustomerPortal


class SaasDnsPortal(SaasCustomerPortal):
    """/my/saas/<id>/domains: add, verify, remove a custom domain."""

    def _domain_redirect(self, instance, message=None, error=None):
        from werkzeug.urls import url_encode  # noqa: PLC0415

        query = {k: v for k, v in (("domain_message", message), ("domain_error", error)) if v}
        return request.redirect(f"/my/saas/{instance.id}?{url_encode(query)}#custom_domains")

    def _as_user(self, instance):
        """The instance sudoed but as the logged-in user (the portal's
        ``_document_check_access`` gives it as the superuser, who may all)."""
        return request.env["saas.instance"].sudo().browse(instance.id)

    def _domains_refusal(self, instance):
        """None when the user may add, verify or remove the instance's
        domains (``_portal_is_trusted``), else the reason, shown."""
        try:
            self._as_user(instance)._check_may_manage_domains()
        except AccessError as exc:
            return str(exc)
        return None

    def _own_domain(self, instance, domain_id):
        domain = request.env["saas.custom.domain"].sudo().browse(int(domain_id)).exists()
        return domain if domain and domain.instance_id == instance else None

    @http.route("/my/saas/<int:instance_id>/domains", type="http", auth="user",
                methods=["POST"], website=False)
    def portal_saas_domain_add(self, instance_id, domain=None, **kw):
        instance = self._saas_instance(instance_id)
        if not instance:
            return request.redirect("/my/saas")
        refusal = self._domains_refusal(instance)
        if refusal:
            return self._domain_redirect(instance, error=refusal)
        try:
            record = self._as_user(instance)._add_custom_domain((domain or "").strip())
        except UserError as exc:
            return self._domain_redirect(instance, error=str(exc))
        return self._domain_redirect(instance, message=_(
            "Publish the TXT record %(txt)s with the value %(token)s, then press Verify.",
            txt=record.txt_name, token=record.token))

    @http.route("/my/saas/<int:instance_id>/domains/<int:domain_id>/<string:action>",
                type="http", auth="user", methods=["POST"])
    def portal_saas_domain_action(self, instance_id, domain_id, action, **kw):
        instance = self._saas_instance(instance_id)
        if not instance:
            return request.redirect("/my/saas")
        refusal = self._domains_refusal(instance)
        if refusal:
            return self._domain_redirect(instance, error=refusal)
        domain = self._own_domain(instance, domain_id)
        if not domain or action not in ("verify", "remove"):
            return request.redirect(f"/my/saas/{instance.id}")
        try:
            if action == "verify":
                domain.action_verify()
                return self._domain_redirect(instance, message=_(
                    "%s is verified and now serves your Odoo.", domain.name))
            name = domain.name
            domain.action_remove()
            return self._domain_redirect(instance, message=_("%s removed.", name))
        except UserError as exc:
            request.env.cr.rollback()
            return self._domain_redirect(instance, error=str(exc))

    def _saas_detail_values(self, instance, **extra):
        # what the last action on the domains did (its redirect says)
        values = {"domain_message": request.params.get("domain_message"),
                  "domain_error": request.params.get("domain_error")}
        values.update(extra)
        return super()._saas_detail_values(instance, **values)
