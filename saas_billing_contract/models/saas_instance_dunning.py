from odoo import _, api, fields, models

from odoo.addons.saas_base.tools import settings

from ..lib import dunning
from .saas_instance_invoices import UNPAID

PARAM = "saas_billing_contract."


class SaasInstance(models.Model):
    """Dunning: reminders at the configured steps, suspension past the grace
    period, reactivation when what suspended it is paid.  The steps are
    lib/dunning.py; what is done to one instance is saas_instance_crons."""

    _inherit = "saas.instance"

    @api.model
    def _cron_billing_dunning(self, date=None):
        """Daily: reminders at the configured steps, suspension past grace.

        One query finds every overdue invoice of every instance (of the
        instances in ``self`` when it is not empty); only the instances that
        change are then touched."""
        date = date or fields.Date.context_today(self)
        grace = settings.get(self.env, PARAM + "grace_days")
        steps = settings.get(self.env, PARAM + "reminder_days")
        self.env.flush_all()
        only = "AND aml.saas_instance_id IN %s" if self.ids else ""
        self.env.cr.execute(f"""
            SELECT DISTINCT aml.saas_instance_id, am.id, am.invoice_date_due
              FROM account_move_line aml
              JOIN account_move am ON am.id = aml.move_id
             WHERE am.move_type = 'out_invoice' AND am.state = 'posted'
               AND am.payment_state IN %s AND am.invoice_date_due < %s
               AND aml.saas_instance_id IS NOT NULL {only}
        """, (UNPAID, date, tuple(self.ids)) if self.ids else (UNPAID, date))
        past_grace, remind = dunning.classify(self.env.cr.fetchall(), date, grace, steps)
        self._billing_send_reminders(remind)
        instances = self.browse(list(past_grace)).sudo()
        instances.fetch(["state", "billing_suspended", "dunning_invoice_ids"])
        Move = self.env["account.move"]
        # each instance isolated: one that cannot be suspended stops no other
        suspended, _failed = instances._each_isolated(
            "suspend", "dunning", lambda instance: instance._billing_dunning_suspend(
                Move.browse(sorted(past_grace[instance.id])), date))
        return self.browse(suspended.ids)

    @api.model
    def _billing_send_reminders(self, step_by_move):
        if not step_by_move:
            return
        Move = self.env["account.move"].sudo()
        moves = Move.browse(list(step_by_move))
        moves.fetch(["saas_dunning_level", "partner_id"])
        template = self.env.ref("saas_billing_contract.mail_template_saas_payment_reminder")
        for move in moves:
            step = step_by_move[move.id]
            if move.saas_dunning_level >= step:
                continue
            if self._billing_payment_token(move.partner_id):
                # retry the saved payment method; a refusal mails the pay link
                move.with_delay(
                    priority=30, identity_key=f"saas_retry_charge_{move.id}_{step}",
                    description=_("Retry charging invoice %s", move.name),
                )._saas_job_settle()
            elif move.partner_id.email:
                template.send_mail(move.id, email_layout_xmlid="mail.mail_notification_light")
            move.saas_dunning_level = step

    @api.model
    def _billing_reactivate_paid(self, moves):
        """Invoices just paid: reactivate the instances they suspended that
        have nothing else past grace."""
        instances = self.search([("dunning_invoice_ids", "in", moves.ids),
                                 ("state", "=", "suspended"),
                                 ("billing_suspended", "=", "dunning")])
        grace = settings.get(self.env, PARAM + "grace_days")
        for instance in instances:
            if instance._overdue_invoices(grace_days=grace):
                continue
            instance._billing_lift_suspension()
            instance.message_post(body=_(
                "Reactivated: invoice(s) %s paid.",
                ", ".join(moves.filtered(lambda m, i=instance: m in i.dunning_invoice_ids)
                          .mapped("name")) or ", ".join(moves.mapped("name"))))
        return instances
