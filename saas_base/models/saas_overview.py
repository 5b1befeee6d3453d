"""The operator's overview: one page of figures, each read from records.

``saas.overview`` gathers sections; each addon contributes the section it
owns by extending ``_overview_sections(now)`` with super() (saas_base:
customers; saas_provisioning: fleet and the instances that need care;
saas_billing_contract: money; saas_backup: backups and drills), so each
addon still installs alone.  The figures themselves are plain SQL / plain
Python functions (``tools/overview.py`` and its kin in each addon); this
model only lays them out for the client action ``saas_overview``.
"""
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..tools import overview

WINDOW_DAYS = 30


class SaasOverview(models.AbstractModel):
    _name = "saas.overview"
    _description = "SaaS Operator Overview"

    @api.model
    def get_overview(self):
        """The client action's one call: the sections, for now."""
        if not self.env.user.has_group("saas_base.group_saas_user"):
            raise AccessError(_("The SaaS overview is for SaaS users."))
        return self._overview_data(fields.Datetime.now())

    @api.model
    def _overview_data(self, now):
        self.env.flush_all()  # the figures are plain SQL
        sections = self._overview_sections(now)
        for section in sections:
            section["items"].sort(key=lambda item: item["sequence"])
        return sorted(sections, key=lambda section: section["sequence"])

    @api.model
    def _overview_sections(self, now):
        """[section]: extend with super() and add (or fill, through
        ``_overview_section``) the section your addon owns."""
        sections = []
        self._overview_customers(self._overview_section(sections, "customers"), now)
        return sections

    # ------------------------------------------------------------------
    # building blocks (plain dicts: the client action renders them)
    # ------------------------------------------------------------------
    @api.model
    def _overview_section(self, sections, key):
        """The section ``key`` of ``sections``, added when missing."""
        for section in sections:
            if section["key"] == key:
                return section
        titles = {"money": (_("Money"), 10), "customers": (_("Customers"), 20),
                  "fleet": (_("Fleet"), 30), "care": (_("Care"), 40)}
        title, sequence = titles.get(key, (key, 50))
        section = {"key": key, "title": title, "sequence": sequence, "items": []}
        sections.append(section)
        return section

    @api.model
    def _ov_figure(self, key, label, value, sequence, display=None, tone=None, action=None,
                   hint=None):
        return {"type": "figure", "key": key, "label": label, "value": value,
                "display": display if display is not None else str(value),
                "tone": tone, "action": action, "hint": hint, "sequence": sequence}

    @api.model
    def _ov_chart(self, key, label, kind, labels, datasets, sequence, action=None,
                  percent=False):
        """``datasets``: [{"label": str, "data": [number]}]."""
        return {"type": "chart", "key": key, "label": label, "kind": kind,
                "labels": labels, "datasets": datasets, "action": action,
                "percent": percent, "sequence": sequence}

    @api.model
    def _ov_records(self, key, label, rows, sequence, action=None):
        """``rows``: [{"model", "id", "name", "reason"}]: each opens its form."""
        return {"type": "records", "key": key, "label": label, "rows": rows,
                "action": action, "sequence": sequence}

    @api.model
    def _ov_action(self, model, name, domain, views=("list", "form"), context=None):
        return {"type": "ir.actions.act_window", "res_model": model, "name": name,
                "domain": domain, "views": [[False, view] for view in views],
                "context": context or {}, "target": "current"}

    # ------------------------------------------------------------------
    # customers
    # ------------------------------------------------------------------
    @api.model
    def _overview_churned(self, since):
        """Ids of the instances lost since ``since`` (terminated); billing
        adds the cancelled subscriptions."""
        return overview.terminated_since(self.env.cr, since)

    @api.model
    def _overview_customers(self, section, now):
        cr = self.env.cr
        today = now.date()
        since = today - timedelta(days=WINDOW_DAYS)
        Instance = self.env["saas.instance"]
        states = overview.tenants_by_state(cr)
        labels = dict(Instance._fields["state"]._description_selection(self.env))
        order = [state for state, _label in Instance._fields["state"].selection]
        items = section["items"]
        items.append(self._ov_figure(
            "tenants_active", _("Active tenants"), states.get("active", 0), 10,
            action=self._ov_action("saas.instance", _("Active tenants"),
                                   [("state", "=", "active")])))
        items.append(self._ov_chart(
            "tenants_by_state", _("Tenants by state"), "bar",
            [labels[state] for state in order],
            [{"label": _("Tenants"), "data": [states.get(state, 0) for state in order]}], 15,
            action=self._ov_action("saas.instance", _("Tenants"), [],
                                   views=("list", "form", "pivot"),
                                   context={"group_by": ["state"]})))
        # (saas_billing_contract adds the trials, sequences 20 and 30)
        churned = self._overview_churned(now - timedelta(days=WINDOW_DAYS))
        items.append(self._ov_figure(
            "churn", _("Churn, %s days", WINDOW_DAYS), len(churned), 40,
            tone="warning" if churned else None,
            action=self._ov_action("saas.instance", _("Churned"),
                                   [("id", "in", sorted(churned))],
                                   context={"active_test": False})))
        days = overview.signups_per_day(cr, since, today)
        items.append(self._ov_chart(
            "signups", _("Sign-ups per day"), "bar",
            [fields.Date.to_string(day) for day, _count in days],
            [{"label": _("Sign-ups"), "data": [count for _day, count in days]}], 50,
            action={"type": "ir.actions.act_window", "res_model": "saas.instance",
                    "name": _("Sign-ups"), "views": [[False, "graph"], [False, "pivot"]],
                    "domain": [("create_date", ">=", fields.Datetime.to_string(since))],
                    "context": {"graph_groupbys": ["create_date:day"],
                                "pivot_row_groupby": ["create_date:day"]},
                    "target": "current"}))
