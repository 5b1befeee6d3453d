from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools.misc import format_amount

from odoo.addons.saas_base.models.saas_overview import WINDOW_DAYS
from odoo.addons.saas_base.tools import overview

from ..tools import overview_money, overview_trials


class SaasOverview(models.AbstractModel):
    """Money: MRR and ARR of the running subscription lines, their trend,
    MRR per plan, overdue invoices; the trials among the customers; and
    the cancelled subscriptions in the churn."""

    _inherit = "saas.overview"

    @api.model
    def _overview_sections(self, now):
        sections = super()._overview_sections(now)
        self._overview_money(self._overview_section(sections, "money"), now)
        self._overview_trials(self._overview_section(sections, "customers"), now)
        return sections

    @api.model
    def _overview_trials(self, section, now):
        cr = self.env.cr
        today = now.date()
        since = today - timedelta(days=WINDOW_DAYS)
        items = section["items"]
        trials = overview_trials.trials_running(cr, today)
        items.append(self._ov_figure(
            "trials_running", _("Trials running"), trials, 20,
            action=self._ov_action("saas.instance", _("Trials running"), [
                ("state", "=", "active"), ("trial_end_date", ">=", today)])))
        ended, converted = overview_trials.trials_ended(cr, since, today)
        conversion = overview.rate(converted, ended)
        items.append(self._ov_figure(
            "trial_conversion", _("Trial to paid, %s days", WINDOW_DAYS), conversion, 30,
            display=overview.percent(conversion),
            hint=_("%(converted)s of %(ended)s trials", converted=converted, ended=ended),
            action=self._ov_action("saas.instance", _("Trials ended"), [
                ("trial_end_date", ">=", since), ("trial_end_date", "<", today)])))

    @api.model
    def _overview_churned(self, since):
        return super()._overview_churned(since) | overview_money.cancelled_since(
            self.env.cr, since.date())

    @api.model
    def _overview_money(self, section, now):
        cr = self.env.cr
        company = self.env.company
        today = now.date()
        money = lambda amount: format_amount(self.env, amount, company.currency_id)  # noqa: E731
        items = section["items"]
        lines = self._ov_action("contract.line", _("Running subscription lines"), [
            ("contract_id.saas_subscription", "=", True), ("is_canceled", "=", False),
            ("date_start", "<=", today), "|", ("date_end", "=", False),
            ("date_end", ">=", today)], views=("list", "pivot", "form"))
        # the trend's last point is today's MRR
        trend = overview_money.mrr_trend(cr, company.id, overview_money.trend_days(today))
        mrr = trend[-1][1]
        items.append(self._ov_figure("mrr", _("MRR"), mrr, 10, display=money(mrr),
                                     action=lines))
        items.append(self._ov_figure("arr", _("ARR"), mrr * 12, 15, display=money(mrr * 12),
                                     action=lines))
        items.append(self._ov_chart(
            "mrr_trend", _("MRR over 12 months"), "line",
            [fields.Date.to_string(day)[:7] for day, _mrr in trend],
            [{"label": _("MRR"), "data": [round(value, 2) for _day, value in trend]}], 30))
        per_plan = overview_money.mrr_per_plan(cr, company.id, today)
        plans = {plan.id: plan.display_name for plan in self.env["saas.plan"].sudo().browse(
            [plan_id for plan_id, _mrr in per_plan if plan_id]).exists()}
        other = _("Other")  # not inside the comprehension: _() reads its caller's frame
        items.append(self._ov_chart(
            "mrr_per_plan", _("MRR per plan"), "bar",
            [plans.get(plan_id, other) for plan_id, _mrr in per_plan],
            [{"label": _("MRR"), "data": [round(value, 2) for _plan, value in per_plan]}], 35,
            action=dict(lines, context={"pivot_row_groupby": ["saas_plan_id"]})))
        count, amount = overview_money.overdue(cr, company.id, today)
        items.append(self._ov_figure(
            "overdue", _("Overdue"), amount, 20, display=money(amount),
            tone="danger" if count else None,
            hint=_("%s invoices", count),
            action=self._ov_action("account.move", _("Overdue invoices"), [
                ("move_type", "=", "out_invoice"), ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date_due", "<", fields.Date.to_string(today)),
                ("company_id", "=", company.id)])))
