"""The plan's limits, as the master measures them, enforced by the master.

saas_tenant refuses early, inside the tenant (a friendly message when a
user or a file would not fit), but its administrator can switch that off.
What counts is what the usage sweep reads as the tenant's role (internal
users with row security off, database size plus filestore): over the plan,
the customer is told at once, and the instance is suspended when it is
still over after the plan's grace days.
"""
from datetime import timedelta

from odoo import _, fields, models

from .. import usage


class SaasPlan(models.Model):
    _inherit = "saas.plan"

    limit_grace_days = fields.Integer(
        default=3, tracking=True,
        help="Days an instance may stay over this plan's users or storage (as the master "
             "measures them) after the notice, before it is suspended; 0: at once.")

    _sql_constraints = [
        ("limit_grace_days_positive", "CHECK(limit_grace_days >= 0)",
         "The grace days cannot be negative."),
    ]


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    suspend_cause = fields.Selection(selection_add=[("limits", "Over the plan")],
                                     ondelete={"limits": "set null"})
    over_limit_since = fields.Datetime(
        readonly=True, copy=False,
        help="When the master first measured this instance over its plan.")
    over_limit_reason = fields.Char(readonly=True, copy=False)

    def _over_limit_reasons(self):
        """{limit: why} for each limit of the plan this instance is over
        ("users", "storage"); saas_billing_contract drops "users" on plans
        that bill each extra user instead."""
        self.ensure_one()
        plan, reasons = self.plan_id, {}
        over = usage.over_limits(self.user_count, plan.max_users,
                                 usage.used_mb(self.db_size_mb, self.filestore_size_mb),
                                 plan.max_storage_mb)
        if usage.USERS in over:
            count, limit = over[usage.USERS]
            reasons[usage.USERS] = _("%(count)s internal users, the plan allows %(max)s",
                                     count=count, max=limit)
        if usage.STORAGE in over:
            used, limit = over[usage.STORAGE]
            reasons[usage.STORAGE] = _("%(used).0f MB stored, the plan allows %(max)s MB",
                                       used=used, max=limit)
        return reasons

    def _enforce_plan_limits(self, now):
        """Called by the usage sweep after each measure."""
        for instance in self.filtered(lambda i: i.state == "active"):
            reasons = instance._over_limit_reasons()
            grace_days = instance.plan_id.limit_grace_days
            actions = usage.limit_actions(reasons, instance.over_limit_since, now, grace_days)
            if usage.CLEAR in actions:
                instance.write({"over_limit_since": False, "over_limit_reason": False})
                instance.message_post(body=_("Back within the plan's limits."))
            reason = "; ".join(reasons.values())
            if usage.NOTICE in actions:
                instance.write({"over_limit_since": now, "over_limit_reason": reason})
                instance._notify_over_limit(reason, now + timedelta(days=grace_days))
            if usage.SUSPEND in actions:
                instance._log("limits", "suspend", "done", 0, reason, duration_ms=0)
                instance.sudo().action_suspend(_("Over the plan: %s", reason), cause="limits")

    def _notify_over_limit(self, reason, deadline):
        self.ensure_one()
        body = _("This instance is over its plan (%(reason)s). Remove what is over, or change "
                 "to a larger plan, before %(deadline)s: it will be suspended then.",
                 reason=reason, deadline=fields.Datetime.to_string(deadline))
        self.message_post(body=body, partner_ids=self.partner_id.ids,
                          subtype_xmlid="mail.mt_comment")

    def _hook_reactivate(self):
        # a new grace starts with the reactivation
        self.write({"over_limit_since": False, "over_limit_reason": False})
        return super()._hook_reactivate()
