from odoo import _, http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.saas_portal.controllers.portal import SaasCustomerPortal


class SaasBillingPortal(SaasCustomerPortal):
    """The instance page's billing part (invoices, subscription, the overdue
    invoice to pay) and the pages built on it: plan change, cancel, resume."""

    def _saas_invoices(self, instance):
        """Posted customer invoices of the instance."""
        return request.env["account.move"].sudo().search(
            instance._billing_invoice_domain(), order="invoice_date desc, id desc")

    def _saas_detail_values(self, instance, **extra):
        # the invoices that suspended it first, then any overdue one
        overdue = instance.dunning_invoice_ids.filtered(
            lambda m: m.payment_state in ("not_paid", "partial")
        ) or instance._overdue_invoices()
        params = request.params
        values = {
            "invoices": self._saas_invoices(instance),
            "next_invoice_date": instance.next_invoice_date,
            "pay_url": overdue[:1].get_portal_url() if overdue else False,
            "billing": instance._billing_summary(),
            "payment_token": instance._billing_payment_token(instance.partner_id),
            # what the last action on the page did (its redirect says)
            "plan_changed": params.get("plan_changed"),
            "cancelled": params.get("cancelled"),
            "resumed": params.get("resumed"),
        }
        values.update(extra)
        return super()._saas_detail_values(instance, **values)

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
            "subpage_title": _("Change plan"),
            "plans": plans,
            "new_plan": new_plan,
            "preview": preview,
            "error": error,
        })
        return request.render("saas_billing_contract.portal_saas_plan", values)

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
        values.update({"page_name": "saas_cancel", "subpage_title": _("Cancel subscription"),
                       "error": error})
        return request.render("saas_billing_contract.portal_saas_cancel", values)

    @http.route("/my/saas/<int:instance_id>/resume", type="http", auth="user",
                methods=["POST"], website=True)
    def portal_my_saas_resume(self, instance_id, **kw):
        instance = self._saas_instance(instance_id)
        if not instance or not instance._billing_summary()["can_resume"]:
            return request.not_found()
        instance.action_resume_subscription()
        return request.redirect(f"/my/saas/{instance.id}?resumed=1")
