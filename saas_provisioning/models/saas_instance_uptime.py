"""Uptime: the master probes each live tenant's login page through the
router every 5 minutes (``tools/uptime_probe``) and keeps hourly figures
only (``saas.instance.uptime``), plus the current run of failed probes on
the instance.  Three failures in a row is an alert: an activity for a SaaS
manager and the event ``instance.down`` (``saas.events``); the first
probe that answers again resets the count, marks the activity done and
tells ``instance.recovered``."""
import logging
from datetime import timedelta

from odoo import _, api, fields, models

from ..tools import uptime_probe

_logger = logging.getLogger(__name__)

DOWN_AFTER = 3  # failed probes in a row before the operator is alerted
PROBE_MINUTES = 5  # the cron's interval (data/ir_cron_uptime_data.xml)


class SaasInstanceUptime(models.Model):
    """One row per instance and hour: what the probes of that hour saw."""

    _name = "saas.instance.uptime"
    _description = "SaaS Instance Uptime (hourly)"
    _order = "hour desc, id desc"
    _rec_name = "hour"

    instance_id = fields.Many2one("saas.instance", required=True, ondelete="cascade", index=True)
    hour = fields.Datetime(required=True, help="Start of the hour (UTC).")
    probes = fields.Integer(aggregator="sum")
    failures = fields.Integer(aggregator="sum")
    total_ms = fields.Float(string="Total response (ms)", digits=(16, 1),
                            help="Sum of the response times of the probes that answered.")
    max_ms = fields.Float(string="Slowest (ms)", digits=(16, 1), aggregator="max")
    avg_ms = fields.Float(string="Average (ms)", digits=(16, 1), compute="_compute_avg_ms")

    _sql_constraints = [
        ("instance_hour_unique", "UNIQUE (instance_id, hour)",
         "One uptime row per instance and hour."),
        ("counts_sane", "CHECK (probes >= 0 AND failures >= 0 AND failures <= probes)",
         "Failures cannot exceed probes."),
    ]

    @api.depends("probes", "failures", "total_ms")
    def _compute_avg_ms(self):
        for row in self:
            answered = row.probes - row.failures
            row.avg_ms = row.total_ms / answered if answered else 0.0

    @api.model
    def _add_probes(self, hour, outcomes):
        """Fold ``outcomes`` ({instance id: Outcome}) into the rows of
        ``hour``: one statement, whatever the number of tenants."""
        if not outcomes:
            return
        self.flush_model()
        rows = [(iid, o.up and o.ms or 0.0, 0 if o.up else 1) for iid, o in outcomes.items()]
        self.env.cr.execute("""
            INSERT INTO saas_instance_uptime
                   (instance_id, hour, probes, failures, total_ms, max_ms,
                    create_uid, write_uid, create_date, write_date)
            SELECT v.iid, %(hour)s, 1, v.failed, v.ms, v.ms, %(uid)s, %(uid)s,
                   now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM unnest(%(ids)s::int[], %(ms)s::float8[], %(failed)s::int[])
                   AS v(iid, ms, failed)
            ON CONFLICT (instance_id, hour) DO UPDATE
               SET probes = saas_instance_uptime.probes + 1,
                   failures = saas_instance_uptime.failures + EXCLUDED.failures,
                   total_ms = saas_instance_uptime.total_ms + EXCLUDED.total_ms,
                   max_ms = GREATEST(saas_instance_uptime.max_ms, EXCLUDED.max_ms),
                   write_date = EXCLUDED.write_date""", {
            "hour": hour, "uid": self.env.uid,
            "ids": [r[0] for r in rows], "ms": [r[1] for r in rows],
            "failed": [r[2] for r in rows]})
        self.invalidate_model()


class SaasInstanceLog(models.Model):
    _inherit = "saas.instance.log"

    operation = fields.Selection(selection_add=[("uptime", "Uptime")],
                                 ondelete={"uptime": "cascade"})


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    probe_failures = fields.Integer(
        string="Failed probes in a row", readonly=True, copy=False,
        help="Consecutive uptime probes that found the login page down (0: up).")
    probe_down_since = fields.Datetime(readonly=True, copy=False)
    uptime_ids = fields.One2many("saas.instance.uptime", "instance_id", string="Uptime")

    @api.model
    def _cron_uptime_probe(self, now=None):
        """Probe every active instance (``PROBE_MINUTES`` apart); one found
        tampered with is refused by the router on purpose, and alerted as
        such already: not probed."""
        self.search(self._live_domain(("active",)) + [("tampered", "=", False)]
                    )._probe_uptime(now=now)
        return True

    def _probe_targets(self):
        """One uptime_probe.Target per instance of ``self``: plain values."""
        urls = {s.id: s.odoo_url for s in self.server_id}
        return [uptime_probe.Target(i.id, urls[i.server_id.id], i._host()) for i in self]

    def _probe_uptime(self, now=None):
        """Probe ``self`` through the router, fold the outcomes into the
        hour's figures and follow each instance's run of failures.
        Returns {instance id: Outcome}."""
        now = now or fields.Datetime.now()
        outcomes = uptime_probe.probe_all(self._probe_targets())
        self.env["saas.instance.uptime"]._add_probes(uptime_probe.hour_of(now), outcomes)
        moved = self.filtered(
            lambda i: uptime_probe.streak(i.probe_failures, outcomes[i.id]) != i.probe_failures)

        def follow(instance):
            # the run of failures moved (most sweeps: no instance at all)
            outcome = outcomes[instance.id]
            previous = instance.probe_failures
            count = uptime_probe.streak(previous, outcome)
            down_since = instance.probe_down_since
            vals = {"probe_failures": count}
            if previous == 0:
                vals["probe_down_since"] = now
            if count == 0:
                vals["probe_down_since"] = False
            instance.write(vals)
            if count == DOWN_AFTER:
                instance._alert_down(outcome.error)
            elif count == 0 and previous >= DOWN_AFTER:
                instance._alert_recovered(down_since, now)
            return True

        moved._each_isolated("uptime", "probe", follow)
        return outcomes

    def _alert_down(self, reason):
        self.ensure_one()
        manager = self.env.ref("saas_base.group_saas_manager", raise_if_not_found=False)
        user = manager and manager.users[:1] or self.env.ref("base.user_admin")
        note = _("%(n)s probes in a row found the login page of %(host)s down: %(why)s",
                 n=DOWN_AFTER, host=self._host(), why=reason or _("no answer"))
        self.sudo().activity_schedule(
            "mail.mail_activity_data_todo", user_id=user.id,
            summary=_("Tenant down: %s", self.display_name), note=note)
        self.message_post(body=note)
        self.env["saas.events"]._saas_event("instance.down", self, {
            "reason": reason, "failed_probes": self.probe_failures})

    def _alert_recovered(self, down_since, now):
        self.ensure_one()
        summary = _("Tenant down: %s", self.display_name)
        self.sudo().activity_ids.filtered(lambda a: a.summary == summary).action_feedback(
            feedback=_("Answering again."))
        minutes = down_since and round((now - down_since).total_seconds() / 60) or 0
        self.message_post(body=_("The login page answers again (down about %s min).", minutes))
        self.env["saas.events"]._saas_event("instance.recovered", self, {
            "down_since": fields.Datetime.to_string(down_since) or None})

    # -- what the customer's page shows ------------------------------------

    def _uptime_summary(self, now=None, days=30, graph_days=7):
        """{uptime_pct (None: never probed), probes, failures, days,
        points: [(hour, avg ms, max ms, failures)] of the last ``graph_days``}
        from the hourly rows."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        Uptime = self.env["saas.instance.uptime"].sudo()
        since = uptime_probe.hour_of(now - timedelta(days=days))
        groups = Uptime._read_group(
            [("instance_id", "=", self.id), ("hour", ">=", since), ("hour", "<=", now)],
            aggregates=["probes:sum", "failures:sum"])
        probes, failures = groups[0] if groups else (0, 0)
        probes, failures = probes or 0, failures or 0
        graph_since = uptime_probe.hour_of(now - timedelta(days=graph_days))
        rows = Uptime.search([("instance_id", "=", self.id), ("hour", ">=", graph_since),
                              ("hour", "<=", now)], order="hour")
        return {
            "uptime_pct": 100.0 * (probes - failures) / probes if probes else None,
            "probes": probes, "failures": failures, "days": days, "graph_days": graph_days,
            "points": [(r.hour, r.avg_ms, r.max_ms, r.failures) for r in rows],
        }
