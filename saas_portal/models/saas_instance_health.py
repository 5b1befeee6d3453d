"""What the customer's page shows of an instance's health: uptime over 30
days, response times over 7 (saas_provisioning's hourly probe figures),
storage and users over 30 days (the usage history), and two hooks filled
by other addons: protection (saas_backup: the last backup and the last
verified restore) and the last update rehearsal (the releases addon)."""
from datetime import timedelta

from odoo import _, fields, models

from .. import charts

UPTIME_DAYS, RESPONSE_DAYS, USAGE_DAYS = 30, 7, 30


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _health_values(self, now=None):
        """Plain values and charts (Markup SVG) for the page."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        uptime = self.sudo()._uptime_summary(now=now, days=UPTIME_DAYS, graph_days=RESPONSE_DAYS)
        # hours in which some probe answered (a response time exists)
        answered = [p for p in uptime["points"] if p[2]]
        response = [(hour, avg) for hour, avg, _max, _failures in answered]
        slowest = [(hour, mx) for hour, _avg, mx, _failures in answered]
        usage = self._health_usage_days(now)
        return {
            "uptime_pct": uptime["uptime_pct"],
            "uptime_text": "%.2f" % uptime["uptime_pct"] if uptime["uptime_pct"] is not None
            else None,
            "uptime_days": UPTIME_DAYS,
            "probes": uptime["probes"],
            "failures": uptime["failures"],
            "response_days": RESPONSE_DAYS,
            "response_avg_ms": sum(v for _h, v in response) / len(response) if response else None,
            "response_chart": charts.line_chart(
                [(_("average"), response), (_("slowest"), slowest)], unit="ms",
                label=_("Response time of the login page, last %s days", RESPONSE_DAYS),
                css_class="o_saas_chart_response"),
            "usage_days": USAGE_DAYS,
            "usage_last": usage[-1] if usage else None,
            "storage_chart": charts.line_chart(
                [(_("storage"), [(d, db + fs) for d, _u, db, fs in usage])], unit=_("MB"),
                label=_("Storage used, last %s days", USAGE_DAYS),
                css_class="o_saas_chart_storage"),
            "users_chart": charts.line_chart(
                [(_("users"), [(d, users) for d, users, _db, _fs in usage])],
                label=_("Users, last %s days", USAGE_DAYS), css_class="o_saas_chart_users"),
            "protection": self._health_protection(now),
            "rehearsal": self._health_rehearsal(),
        }

    def _health_usage_days(self, now):
        """[(day, users, database MB, filestore MB)]: each day's highest
        figures of the usage history (the sweep stores one row per run)."""
        groups = self.env["saas.instance.usage"].sudo()._read_group(
            [("instance_id", "=", self.id), ("date", ">=", now - timedelta(days=USAGE_DAYS)),
             ("date", "<=", now)],
            groupby=["date:day"],
            aggregates=["user_count:max", "db_size_mb:max", "filestore_size_mb:max"],
            order="date:day")
        return [(fields.Datetime.to_datetime(day), users or 0, db or 0.0, fs or 0.0)
                for day, users, db, fs in groups]

    def _health_protection(self, now):
        """Hook: saas_backup returns {last_backup_at, restore: {...}}."""
        return None

    def _health_rehearsal(self):
        """Hook for the last update rehearsal (the releases addon): a dict
        for the template ``saas_portal.portal_saas_rehearsal``, or None
        (nothing shown)."""
        return None
