import base64
import binascii

from odoo import api, models
from odoo.exceptions import ValidationError

from .. import limits


def _incoming_bytes(vals):
    """Size of the file content in ``vals`` (``raw`` or base64 ``datas``)."""
    raw = vals.get("raw")
    if raw:
        return len(raw.encode() if isinstance(raw, str) else raw)
    datas = vals.get("datas")
    if datas:
        try:
            return len(base64.b64decode(datas))
        except (binascii.Error, ValueError, TypeError):
            return len(datas)
    return 0


def _is_asset(vals):
    # The web client's own bundles (CSS/JS compiled into attachments, as
    # Odoo's AssetsBundle saves them: both marks): never refused here, or a
    # tenant at its limit could not even load the backend.  A file merely
    # labelled ir.ui.view is no bundle.  (The master counts every byte
    # anyway: this is the early, friendly refusal.)
    return vals.get("res_model") == "ir.ui.view" and (vals.get("url") or "").startswith(
        "/web/assets/")


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model_create_multi
    def create(self, vals_list):
        # Checked before anything is written: a refused upload leaves neither
        # a row nor a file in the filestore.
        self._saas_check_storage(sum(
            _incoming_bytes(vals) for vals in vals_list if not _is_asset(vals)))
        return super().create(vals_list)

    def write(self, vals):
        if ("raw" in vals or "datas" in vals) and not _is_asset(vals):
            growth = _incoming_bytes(vals) * len(self) - sum(self.sudo().mapped("file_size"))
            self._saas_check_storage(growth)
        return super().write(vals)

    @api.model
    def _saas_storage_used_mb(self, settings):
        """The master's last measure plus what was stored since (attachment
        rows created after it); the master's figure alone when never measured."""
        used = limits.storage_used_mb(settings)
        since = limits.storage_measured_at(settings)
        if since:
            self.env.cr.execute(
                "SELECT COALESCE(SUM(file_size), 0) FROM ir_attachment "
                "WHERE create_date > %s AND type = 'binary'", [since])
            used += self.env.cr.fetchone()[0] / 2**20
        return used

    @api.model
    def _saas_check_storage(self, adding_bytes):
        if adding_bytes <= 0:
            return
        settings = limits.read_settings(self.env.cr)
        if not limits.max_storage_mb(settings):
            return
        refusal = limits.storage_refusal(settings, self._saas_storage_used_mb(settings),
                                         adding_bytes)
        if refusal:
            raise ValidationError(refusal)

    @api.model
    def _saas_storage_warning(self):
        settings = limits.read_settings(self.env.cr)
        if not limits.max_storage_mb(settings):
            return None
        return limits.storage_warning(settings, self._saas_storage_used_mb(settings))
