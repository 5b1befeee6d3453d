"""Protection, as the customer's page shows it (saas_portal's health part):
the last backup, and the last verified restore -- the newest restore drill
that passed: when, how long the restore and comparison took (its "drill"
log line), and what was compared (the manifest's row counts of every table
and the filestore's files and checksums)."""
import json

from odoo import models


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _health_protection(self, now):
        res = super()._health_protection(now) or {}
        self.ensure_one()
        instance = self.sudo()
        drilled = self.env["saas.backup"].sudo().search(
            [("instance_id", "=", self.id), ("drill_state", "=", "passed"),
             ("drill_date", "!=", False)], order="drill_date desc, id desc", limit=1)
        res.update({"last_backup_at": instance.last_backup_at, "restore": None})
        if drilled:
            res["restore"] = drilled._verified_restore()
        return res


class SaasBackup(models.Model):
    _inherit = "saas.backup"

    def _verified_restore(self):
        """{date, seconds, backup_at, tables, rows, files} of this passed drill."""
        self.ensure_one()
        line = self.env["saas.instance.log"].sudo().search(
            [("backup_id", "=", self.id), ("step", "=", "drill"), ("result", "=", "done")],
            order="id desc", limit=1)
        try:
            meta = json.loads(self.manifest or "{}").get("saas_backup", {})
        except ValueError:
            meta = {}
        tables = meta.get("tables") or {}
        return {
            "date": self.drill_date,
            "seconds": round(line.duration_ms / 1000.0) if line else None,
            "backup_at": self.done_at,
            "tables": len(tables),
            "rows": sum(v for v in tables.values() if isinstance(v, int)),
            "files": meta.get("filestore_files", self.filestore_files or 0),
        }
