import logging

from odoo import _, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.saas_sso.controllers.main import refused_response, sso_post_response

_logger = logging.getLogger(__name__)


def _percent(used, limit):
    if not limit:
        return 0
    return min(100, int(round(100.0 * (used or 0) / limit)))


class SaasCustomerPortal(CustomerPortal):

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "saas_instance_count" in counters:
            Instance = request.env["saas.instance"]
            values["saas_instance_count"] = (
                Instance.search_count([("state", "!=", "terminated")])
                if Instance.has_access("read") else 0)
        return values

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _saas_instance(self, instance_id):
        """The instance, sudoed, if the logged-in customer may see it; else None.

        The portal way: a read check as the user (saas_base's record rule:
        instances of the user's commercial partner only), then sudo."""
        try:
            return self._document_check_access("saas.instance", instance_id)
        except (AccessError, MissingError):
            return None

    def _saas_invoices(self, instance):
        """Posted customer invoices of the instance."""
        return request.env["account.move"].sudo().search(
            instance._billing_invoice_domain(), order="invoice_date desc, id desc")

    def _saas_usage(self, instance):
        plan = instance.plan_id
        storage = (instance.db_size_mb or 0.0) + (instance.filestore_size_mb or 0.0)
        return [
            {"key": "users", "label": _("Users"), "used": instance.user_count,
             "limit": plan.max_users, "unit": "",
             "percent": _percent(instance.user_count, plan.max_users)},
            {"key": "storage", "label": _("Storage"), "used": round(storage, 1),
             "limit": plan.max_storage_mb, "unit": _("MB"),
             "percent": _percent(storage, plan.max_storage_mb)},
        ]

    def _saas_detail_values(self, instance, **extra):
        # the invoices that suspended it first, then any overdue one
        overdue = instance.dunning_invoice_ids.filtered(
            lambda m: m.payment_state in ("not_paid", "partial")
        ) or instance._overdue_invoices()
        values = self._prepare_portal_layout_values()
        values.update({
            "page_name": "saas_instance",
            "instance": instance,
            "usage": self._saas_usage(instance),
            "invoices": self._saas_invoices(instance),
            "next_invoice_date": instance.next_invoice_date,
            "pay_url": overdue[:1].get_portal_url() if overdue else False,
            "billing": instance._billing_summary(),
            "payment_token": instance._billing_payment_token(instance.partner_id),
        })
        values.update(extra)
        return values

    # ------------------------------------------------------------------
    # routes
    # ------------------------------------------------------------------
    @http.route(["/my/saas", "/my/saas/page/<int:page>"], type="http", auth="user",
                methods=["GET"], website=True)
    def portal_my_saas(self, page=1, **kw):
        Instance = request.env["saas.instance"]
        domain = [("state", "!=", "terminated")]
        count = Instance.search_count(domain)
        pager = self._pager_for("/my/saas", count, page)
        instances = Instance.search(domain, limit=self._items_per_page,
                                    offset=pager["offset"], order="id desc")
        values = self._prepare_portal_layout_values()
        values.update({
            "page_name": "saas_instances",
            "instances": instances.sudo(),
            "pager": pager,
            "default_url": "/my/saas",
        })
        return request.render("saas_portal.portal_my_saas", values)

    def _pager_for(self, url, total, page):
        from odoo.addons.portal.controllers.portal import pager as portal_pager
        return portal_pager(url=url, total=total, page=page, step=self._items_per_page)

    @http.route("/my/saas/<int:instance_id>", type="http", auth="user", methods=["GET"],
                website=True)
    def portal_my_saas_instance(self, instance_id, **kw):
        instance = self._saas_instance(instance_id)
        if not instance:
            return request.not_found()
        return request.render("saas_portal.portal_saas_instance",
                              self._saas_detail_values(instance,
                                                       plan_changed=kw.get("plan_changed"),
                                                       cancelled=kw.get("cancelled"),
                                                       resumed=kw.get("resumed")))

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

    @http.route("/my/saas/<int:instance_id>/plan", type="http", auth="user",
                methods=["GET", "POST"], website=True)
    def portal_my_saas_plan(self, instance_id, plan_id=None, confirm=None, **kw):
        instance = self._saas_instance(instance_id)
        if not instance:
            return request.not_found()
        plans = request.env["saas.plan"].sudo().search(
            [("published", "=", True), ("id", "!=", instance.plan_id.id)],
            order="sequence, price, id")
        new_plan = plans.filtered(lambda p: str(p.id) == str(plan_id)) if plan_id else plans[:0]
        preview, error = None, None
        if new_plan:
            preview = instance._preview_plan_change(new_plan)
            currency = request.env["res.currency"].sudo().browse(preview.get("currency_id"))
            preview = dict(preview, currency=currency)
        if request.httprequest.method == "POST":
            if not new_plan or instance.state not in ("active", "suspended"):
                return request.not_found()
            if not preview.get("allowed", True):
                error = preview.get("reason")
            else:
                try:
                    with request.env.cr.savepoint():
                        instance.change_plan(new_plan)
                except UserError as exc:
                    error = exc.args[0]
                else:
                    return request.redirect(f"/my/saas/{instance.id}?plan_changed=1")
        values = self._saas_detail_values(instance)
        values.update({
            "page_name": "saas_plan",
            "plans": plans,
            "new_plan": new_plan,
            "preview": preview,
            "error": error,
        })
        return request.render("saas_portal.portal_saas_plan", values)

    # ------------------------------------------------------------------
    # subscription: cancel (with a confirmation page) and resume
    # ------------------------------------------------------------------
    @http.route("/my/saas/<int:instance_id>/cancel", type="http", auth="user",
                methods=["GET", "POST"], website=True)
    def portal_my_saas_cancel(self, instance_id, **kw):
        instance = self._saas_instance(instance_id)
        if not instance:
            return request.not_found()
        billing = instance._billing_summary()
        if not billing["can_cancel"]:
            return request.redirect(f"/my/saas/{instance.id}")
        error = None
        if request.httprequest.method == "POST":
            try:
                with request.env.cr.savepoint():
                    instance.action_cancel_subscription()
            except UserError as exc:
                error = exc.args[0]
            else:
                return request.redirect(f"/my/saas/{instance.id}?cancelled=1")
        values = self._saas_detail_values(instance)
        values.update({"page_name": "saas_cancel", "error": error})
        return request.render("saas_portal.portal_saas_cancel", values)

    @http.route("/my/saas/<int:instance_id>/resume", type="http", auth="user",
                methods=["POST"], website=True)
    def portal_my_saas_resume(self, instance_id, **kw):
        instance = self._saas_instance(instance_id)
        if not instance or not instance._billing_summary()["can_resume"]:
            return request.not_found()
        instance.action_resume_subscription()
        return request.redirect(f"/my/saas/{instance.id}?resumed=1")
