from datetime import timedelta

from odoo import _, api, fields, models

from ..lib import overview_care

DRILL_WINDOW_DAYS = 7


class SaasOverview(models.AbstractModel):
    """Care: backup health of the live instances, restore drills."""

    _inherit = "saas.overview"

    @api.model
    def _overview_sections(self, now):
        sections = super()._overview_sections(now)
        self._overview_backups(self._overview_section(sections, "care"), now)
        return sections

    @api.model
    def _overview_backups(self, section, now):
        items = section["items"]
        health = overview_care.backup_health(self.env.cr)
        live = [("state", "in", ("active", "suspended"))]
        labels = {"normal": _("Backups normal"), "warning": _("Backups warning"),
                  "danger": _("Backups danger"), "never": _("Never backed up")}
        domains = {"normal": [("backup_health", "=", "normal")],
                   "warning": [("backup_health", "=", "warning")],
                   "danger": [("backup_health", "=", "danger"), ("last_backup_at", "!=", False)],
                   "never": [("backup_health", "=", "danger"), ("last_backup_at", "=", False)]}
        tones = {"warning": "warning", "danger": "danger", "never": "danger"}
        for sequence, key in enumerate(("normal", "warning", "danger", "never"), start=10):
            items.append(self._ov_figure(
                f"backup_{key}", labels[key], health[key], sequence,
                tone=tones.get(key) if health[key] else None,
                action=self._ov_action("saas.instance", labels[key], live + domains[key])))
        since = now - timedelta(days=DRILL_WINDOW_DAYS)
        passed, failed = overview_care.drills(self.env.cr, since)
        for key, label, value, state, sequence in (
                ("drills_passed", _("Drills passed, 7 days"), passed, "passed", 20),
                ("drills_failed", _("Drills failed, 7 days"), failed, "failed", 21)):
            items.append(self._ov_figure(
                key, label, value, sequence,
                tone="danger" if state == "failed" and value else None,
                action=self._ov_action("saas.backup", label, [
                    ("drill_state", "=", state),
                    ("drill_date", ">=", fields.Datetime.to_string(since))])))
