from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib.storage import LocalStorage, S3Storage, StorageError


class SaasBackupStorage(models.Model):
    _name = "saas.backup.storage"
    _description = "Backup Storage"
    _order = "sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    kind = fields.Selection([("s3", "S3-compatible bucket"), ("local", "Local directory")],
                            required=True, default="s3")
    # where and how: read by system administrators only (code reads them sudo)
    endpoint_url = fields.Char(groups="base.group_system",
                               help="Empty for AWS; e.g. https://s3.eu-central-003.backblazeb2.com "
                                    "or http://minio:9000.")
    region = fields.Char(groups="base.group_system")
    bucket = fields.Char(groups="base.group_system")
    prefix = fields.Char(groups="base.group_system", default="saas-backups")
    access_key = fields.Char(groups="base.group_system")
    secret_key = fields.Char(groups="base.group_system")
    sse = fields.Selection([("none", "None"), ("AES256", "SSE-S3 (AES256)"),
                            ("aws:kms", "SSE-KMS")], string="Server-side Encryption",
                           default="none", groups="base.group_system")
    kms_key_id = fields.Char(string="KMS Key", groups="base.group_system")
    local_path = fields.Char(string="Directory", groups="base.group_system")
    url_expiry = fields.Integer(string="Download Link Lifetime (s)", default=300,
                                help="Lifetime of the customers' presigned download links.")
    backup_ids = fields.One2many("saas.backup", "storage_id")

    def _storage(self):
        """The plain storage object (lib/storage.py) of this record."""
        self.ensure_one()
        rec = self.sudo()
        if rec.kind == "local":
            if not rec.local_path:
                raise UserError(_("Storage %s has no directory.", rec.name))
            return LocalStorage(rec.local_path)
        if not rec.bucket:
            raise UserError(_("Storage %s has no bucket.", rec.name))
        return S3Storage(rec.bucket, prefix=rec.prefix, endpoint_url=rec.endpoint_url,
                         region=rec.region, access_key=rec.access_key,
                         secret_key=rec.secret_key,
                         sse="" if rec.sse in (False, "none") else rec.sse,
                         kms_key_id=rec.kms_key_id)

    def action_check(self):
        self.ensure_one()
        try:
            self._storage().check()
        except StorageError as exc:
            raise UserError(_("Storage %(name)s cannot be used: %(error)s",
                              name=self.name, error=exc)) from exc
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"type": "success", "message": _("Storage %s answers.", self.name)}}
