from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from odoo.addons.saas_portal.controllers.portal import SaasCustomerPortal

from ..lib.storage import StorageError


class SaasBackupPortal(SaasCustomerPortal):

    def _saas_detail_values(self, instance, **extra):
        values = super()._saas_detail_values(instance, **extra)
        values["backups"] = request.env["saas.backup"].sudo().search(
            [("instance_id", "=", instance.id), ("state", "=", "done")], limit=10
        ) if self._backups_allowed(instance) else request.env["saas.backup"]
        return values

    def _backups_allowed(self, instance):
        """A backup is the whole database: for whom the portal trusts with the
        instance's secrets (``_portal_is_trusted``; with saas_sso, who may open it)."""
        return request.env["saas.instance"].browse(instance.id)._portal_is_trusted()

    @http.route("/my/saas/<int:instance_id>/backup/<int:backup_id>/download", type="http",
                auth="user", methods=["GET"])
    def portal_my_saas_backup_download(self, instance_id, backup_id, **kw):
        """Redirect to a short-lived presigned URL of the customer's own backup."""
        instance = self._saas_instance(instance_id)
        if not instance or not self._backups_allowed(instance):
            raise NotFound()
        backup = request.env["saas.backup"].sudo().browse(backup_id).exists()
        if not backup or backup.instance_id != instance or backup.state != "done":
            raise NotFound()
        try:
            url = backup._download_url()
        except StorageError:
            url = None
        if not url:
            raise NotFound()
        return request.redirect(url, local=False)
