from datetime import timedelta

from odoo import _, api, fields, models

from ..tools import overview_fleet

PROVISION_WINDOW_DAYS = 7
# provisioning takes seconds to a few minutes: past this, a person looks
STUCK_AFTER = timedelta(minutes=30)


class SaasOverview(models.AbstractModel):
    """The fleet (servers against their limits, provisioning times, the warm
    pool) and the instances that need care (failed, stuck, flagged)."""

    _inherit = "saas.overview"

    @api.model
    def _overview_sections(self, now):
        sections = super()._overview_sections(now)
        self._overview_fleet(self._overview_section(sections, "fleet"), now)
        self._overview_attention(self._overview_section(sections, "care"), now)
        return sections

    @api.model
    def _overview_fleet(self, section, now):
        cr = self.env.cr
        items = section["items"]
        # the servers' own capacity interface (saas_base): what placement reads
        servers = self.env["saas.server"].sudo().search([])
        usage = {server: server._capacity_usage() for server in servers}
        labels = {"instances": _("Instances"), "database_mb": _("Database size"),
                  "connections": _("Connections")}
        items.append(self._ov_chart(
            "servers", _("Servers: share of each limit in use (%)"), "bar",
            [server.name for server in servers],
            [{"label": label,
              "data": [overview_fleet.used_ratio(*usage[server][limit]) or 0
                       for server in servers]}
             for limit, label in labels.items()], 10, percent=True,
            action=self._ov_action("saas.server", _("Servers"), [])))
        items.append(self._ov_records(
            "server_limits", _("Servers"), [
                {"model": "saas.server", "id": server.id, "name": server.name,
                 "reason": " · ".join(
                     f"{label} {usage[server][limit][0]}/{usage[server][limit][1] or '∞'}"
                     for limit, label in labels.items())}
                for server in servers], 15))
        count, p50, p95 = overview_fleet.provisioning_times(
            cr, now - timedelta(days=PROVISION_WINDOW_DAYS))
        action = self._ov_action("saas.instance", _("Provisioned in the last 7 days"), [
            ("provision_done_at", ">=", fields.Datetime.to_string(
                now - timedelta(days=PROVISION_WINDOW_DAYS)))])
        hint = _("%s provisioned in 7 days", count)
        for key, label, value, sequence in (
                ("provision_p50", _("Provisioning p50"), p50, 20),
                ("provision_p95", _("Provisioning p95"), p95, 25)):
            items.append(self._ov_figure(
                key, label, round(value, 1) if value is not None else None, sequence,
                display=_("%s s", round(value, 1)) if value is not None else "–",
                hint=hint, action=action))
        pool_size = self.env["saas.template"]._pool_size()
        ready, making, target = overview_fleet.pool_fill(cr, pool_size)
        items.append(self._ov_figure(
            "pool_fill", _("Warm pool"), ready, 30, display=f"{ready} / {target}",
            tone="warning" if ready < target else None,
            hint=_("%s being made", making) if making else None,
            action=self._ov_action("saas.pool.database", _("Warm pool"), [])
            if self.env.user.has_group("base.group_system") else None))

    @api.model
    def _overview_attention(self, section, now):
        labels = {"failed": _("Failed"), "stuck": _("Stuck in provisioning"),
                  "tampered": _("Tampered with"), "over_limit": _("Over a plan limit"),
                  "usage_error": _("Usage not read"), "maintenance": _("In maintenance")}
        stuck_before = now - STUCK_AFTER
        live = [("state", "!=", "terminated")]
        domains = {
            "failed": [("state", "=", "failed")],
            "stuck": [("state", "=", "provisioning"), ("provision_requested_at", "<",
                                                       fields.Datetime.to_string(stuck_before))],
            "tampered": live + [("tampered", "=", True)],
            "over_limit": live + [("over_limit_since", "!=", False)],
            "usage_error": live + [("usage_error", "!=", False)],
            "maintenance": live + [("maintenance_reason", "!=", False)],
        }
        found = overview_fleet.attention(self.env.cr, stuck_before)
        rows = []
        for reason in overview_fleet.ATTENTION:
            count, records = found[reason]
            section["items"].append(self._ov_figure(
                f"care_{reason}", labels[reason], count, 50 + overview_fleet.ATTENTION.index(
                    reason), tone="danger" if count else None,
                action=self._ov_action("saas.instance", labels[reason], domains[reason])))
            rows += [{"model": "saas.instance", "id": rid, "name": name,
                      "reason": f"{labels[reason]}{': ' + detail if detail else ''}"}
                     for rid, name, detail in records]
        section["items"].append(self._ov_records(
            "care_instances", _("Instances that need care"), rows, 60))
