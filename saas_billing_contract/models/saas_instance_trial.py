from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from odoo.addons.saas_base.tools import settings

from ..lib import trial

PARAM = "saas_billing_contract."


class SaasInstance(models.Model):
    """The trial is billing's: its end is set when the instance is first
    activated (saas_base records the activation date), the contract line
    starts the day after it, and the daily cron reminds, then suspends and
    terminates the trials that ended without a subscription."""

    _inherit = "saas.instance"

    trial_end_date = fields.Date(tracking=True, copy=False)
    trial_reminder_sent = fields.Integer(
        readonly=True, copy=False,
        help="Days-before-trial-end of the last trial reminder sent (0: none).")

    def _billing_start_trial(self):
        """Just activated: the trial of the plan runs from the activation
        date (kept when one was set before, by hand or by an import)."""
        for instance in self.filtered(lambda i: not i.trial_end_date):
            activated = instance.activation_date or fields.Date.context_today(instance)
            end = trial.trial_end(activated, instance.plan_id.trial_days)
            if end:
                instance.trial_end_date = end

    def _billing_align_trial_start(self):
        """The trial end is known at activation: a line not invoiced yet
        starts the day after it."""
        for instance in self.filtered("trial_end_date"):
            line = instance.contract_line_id.sudo()
            start = instance.trial_end_date + timedelta(days=1)
            if (line and not line.is_canceled and not line.last_date_invoiced
                    and not line.date_end and line.date_start != start):
                line.write({"date_start": start, "recurring_next_date": start})

    @api.model
    def _cron_billing_trial(self, date=None):
        """Daily: trial reminders; at the trial end a subscribed instance
        simply goes on (the contract invoices it); an instance whose trial
        or subscription ended without a running subscription is suspended,
        and terminated after the retention days."""
        date = date or fields.Date.context_today(self)
        steps = settings.get(self.env, PARAM + "trial_reminder_days")
        trials = self.search([("state", "=", "active"), ("trial_end_date", ">=", date)])
        template = self.env.ref("saas_billing_contract.mail_template_saas_trial_reminder")
        # each instance isolated (_each_isolated): one that fails stops no other
        trials._each_isolated(
            "billing", "trial reminder",
            lambda instance: instance._billing_trial_remind(date, steps, template))
        candidates = self.search([
            ("state", "=", "active"), ("plan_id.price", ">", 0), "|", "|",
            "&", ("trial_end_date", "<", date), ("contract_line_id", "=", False),
            ("contract_line_id.is_canceled", "=", True),
            ("contract_line_id.date_end", "<", date)])
        ended, _failed = candidates._each_isolated(
            "suspend", "service end", lambda instance: instance._billing_suspend_ended(date))
        retention = settings.get(self.env, PARAM + "trial_retention_days")
        to_end = self.search([
            ("state", "=", "suspended"), ("billing_suspended", "in", ("trial", "cancelled")),
            ("billing_suspend_date", "<=", date - relativedelta(days=retention)),
        ])
        to_end._each_isolated("terminate", "service end",
                              lambda instance: instance._billing_terminate_ended(retention))
        return self.browse((ended | to_end).ids)
