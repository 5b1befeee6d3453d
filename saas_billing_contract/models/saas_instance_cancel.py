from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib import trial


class SaasInstance(models.Model):
    """Cancel at period end (or during the trial), resume before the end,
    and what the customer sees of its subscription."""

    _inherit = "saas.instance"

    def _billing_service_end(self):
        """Last day the customer may use the instance, or False (no end):
        the trial end for an unsubscribed or cancelled trial, the end of the
        paid period for a subscription cancelled at period end."""
        self.ensure_one()
        if not self._billing_is_paid():
            return False
        line = self.contract_line_id
        return trial.service_end(
            self.trial_end_date, line_start=line.date_start if line else None,
            line_end=line.date_end, line_running=bool(line and not line.is_canceled)) or False

    def _billing_has_subscription(self):
        """A running subscription (not cancelled, not ending)."""
        self.ensure_one()
        line = self.contract_line_id
        return bool(line and not line.is_canceled and not line.date_end)

    def action_cancel_subscription(self):
        """Customer or manager: end the subscription.  During the trial (or
        before anything was invoiced) the line is cancelled and nothing is
        ever invoiced; otherwise it ends with the paid period.  The instance
        is suspended after that day and terminated after the retention days."""
        self._check_action_access()
        for instance in self:
            line = instance.contract_line_id.sudo()
            if not instance._billing_has_subscription():
                raise UserError(_("%s has no running subscription to cancel.",
                                  instance.display_name))
            if not line.last_date_invoiced:
                line.write({"is_canceled": True, "is_auto_renew": False})
            else:
                line.write({"date_end": line.last_date_invoiced, "is_auto_renew": False})
            self.env["saas.events"]._saas_event("subscription.cancelled", line)
            instance.message_post(body=_(
                "Subscription cancelled by %(user)s: %(sub)s ends on %(end)s.",
                user=self.env.user.display_name, sub=instance.subdomain,
                end=instance._billing_service_end() or fields.Date.context_today(instance)))
        return True

    def action_resume_subscription(self):
        """Undo a cancellation before the service ends."""
        self._check_action_access()
        today = fields.Date.context_today(self)
        for instance in self:
            line = instance.contract_line_id.sudo()
            end = instance._billing_service_end()
            if (not line or instance._billing_has_subscription() or instance.state != "active"
                    or (end and end < today)):
                raise UserError(_("%s has no cancelled subscription to resume.",
                                  instance.display_name))
            if line.is_canceled:
                line.write({"is_canceled": False,
                            "recurring_next_date": max(line.date_start, today)})
            else:
                line.write({"date_end": False})
            instance.message_post(body=_("Subscription resumed by %(user)s.",
                                         user=self.env.user.display_name))
        return True

    def _billing_summary(self):
        """What the customer sees of the subscription (portal)."""
        self.ensure_one()
        line = self.contract_line_id.sudo()
        today = fields.Date.context_today(self)
        end = self._billing_service_end()
        running = self._billing_has_subscription()
        amount = 0.0
        if running:
            amount = line.price_subtotal
            start, stop = line.next_period_date_start, line.next_period_date_end
            extra = line._saas_extra_user_vals(start, stop)
            if extra:
                amount += extra["quantity"] * extra["price_unit"]
            amount += sum(self.sudo().billing_adjustment_ids.filtered(
                lambda a: not a.invoiced).mapped("amount"))
        return {
            "paid": bool(self._billing_is_paid()),
            "running": running,
            "ends_on": end,
            "next_date": line.recurring_next_date if running else False,
            "next_amount": amount,
            "currency": line.currency_id or self.plan_id.currency_id,
            "can_cancel": running and self.state in ("active", "suspended"),
            "can_resume": bool(line and not running and self.state == "active"
                               and end and end >= today),
            "in_trial": bool(self.trial_end_date and self.trial_end_date >= today),
        }
