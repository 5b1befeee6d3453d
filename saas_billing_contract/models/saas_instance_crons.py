from odoo import _, models
from odoo.exceptions import UserError

from ..lib import trial


class SaasInstance(models.Model):
    """What the billing crons do to ONE instance.  The crons
    (``_cron_billing_trial``, ``_cron_billing_dunning``) run these through
    ``_each_isolated``: a tenant whose suspension fails (it revoked the
    master's way into its database, say) is logged and skipped, and every
    other instance is still reminded, suspended or terminated."""

    _inherit = "saas.instance"

    def _billing_trial_remind(self, date, steps, template):
        """The trial reminder due at ``date`` (days-before-end ``steps``),
        once per step."""
        self.ensure_one()
        step = trial.reminder_step(self.trial_end_date, date, steps, self.trial_reminder_sent)
        if step:
            if self.partner_id.email:
                template.send_mail(self.id, email_layout_xmlid="mail.mail_notification_light")
            self.trial_reminder_sent = step
            return True
        return False

    def _billing_suspend_ended(self, date):
        """Suspend an instance whose trial or subscription ended before
        ``date`` without a running subscription.  True when suspended."""
        self.ensure_one()
        end = self._billing_service_end()
        if not end or end >= date:
            return False
        in_trial = not self.contract_line_id.last_date_invoiced and self.trial_end_date
        reason = (_("Trial ended on %s without a subscription.", end) if in_trial
                  else _("Subscription ended on %s.", end))
        self.action_suspend(reason, cause="trial" if in_trial else "cancelled")
        self.write({"billing_suspended": "trial" if in_trial else "cancelled",
                    "billing_suspend_date": date})
        return True

    def _billing_terminate_ended(self, retention):
        """Terminate an instance suspended ``retention`` days ago for an
        ended service, unless a job of it is still running.  A refusal
        (saas_backup: no recent backup) is said in the chatter: the next run
        tries again."""
        self.ensure_one()
        if self._current_job_running():
            return False
        try:
            with self.env.cr.savepoint():
                self.message_post(body=_(
                    "Service ended %(days)s days ago: terminating.", days=retention))
                self.action_terminate()
        except UserError as exc:
            self.message_post(body=_("Not terminated yet: %s", exc))
            return False
        return True

    def _billing_dunning_suspend(self, moves, date):
        """Suspend an active instance for its invoices ``moves`` past the
        grace period, or add new ones to those of an instance dunning
        already suspended.  True when suspended now."""
        self.ensure_one()
        if self.state == "active":
            self.action_suspend(_("Unpaid invoice(s) %s past the grace period.",
                                  ", ".join(moves.mapped("name"))), cause="dunning")
            self.write({"billing_suspended": "dunning", "billing_suspend_date": date,
                        "dunning_invoice_ids": [(6, 0, moves.ids)]})
            return True
        if self.state == "suspended" and self.billing_suspended == "dunning":
            new = moves - self.dunning_invoice_ids
            if new:
                self.dunning_invoice_ids = [(4, move.id) for move in new]
        return False
