import logging

from odoo import _, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

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
        """The values of the instance's page (and of the pages built on it):
        other addons add theirs by overriding this in their controller class
        (inheriting this one), e.g. billing's invoices, backups, health."""
        values = self._prepare_portal_layout_values()
        values.update({
            "page_name": "saas_instance",
            "instance": instance,
            "usage": self._saas_usage(instance),
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
                              self._saas_detail_values(instance))
