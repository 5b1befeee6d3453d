from odoo import _, fields, models

from ..lib import proration


class SaasInstance(models.Model):
    """The instance's side of a plan change: whether its usage fits the new
    plan, its invoiced period, and the doors the portal and the backend call.
    The change itself is ``saas.plan.change``."""

    _inherit = "saas.instance"

    plan_change_ids = fields.One2many(
        "saas.plan.change", "instance_id", string="Plan Changes", readonly=True,
        groups="saas_base.group_saas_user,account.group_account_invoice")
    plan_change_count = fields.Integer(
        compute="_compute_plan_change_count",
        groups="saas_base.group_saas_user,account.group_account_invoice")

    def _compute_plan_change_count(self):
        groups = self.env["saas.plan.change"]._read_group(
            [("instance_id", "in", self.ids)], ["instance_id"], ["__count"])
        counts = {instance.id: count for instance, count in groups}
        for instance in self:
            instance.plan_change_count = counts.get(instance.id, 0)

    def _plan_change_refusal(self, new_plan):
        """Why the tenant's usage does not fit ``new_plan`` (empty: it fits)."""
        self.ensure_one()
        used = (self.db_size_mb or 0.0) + (self.filestore_size_mb or 0.0)
        excess = proration.usage_excess(self.user_count, used, new_plan.max_users,
                                        new_plan.max_storage_mb)
        reasons = []
        if "users" in excess:
            reasons.append(_(
                "remove %(n)s user(s): the instance has %(have)s active users, "
                "plan %(plan)s allows %(max)s",
                n=excess["users"], have=self.user_count,
                plan=new_plan.name, max=new_plan.max_users))
        if "storage_mb" in excess:
            reasons.append(_(
                "free %(n).0f MB of storage: the instance uses %(used).0f MB, "
                "plan %(plan)s allows %(max)s MB",
                n=excess["storage_mb"], used=used, plan=new_plan.name,
                max=new_plan.max_storage_mb))
        if not reasons:
            return ""
        return _("%(name)s does not fit plan %(plan)s; please %(what)s.",
                 name=self.display_name, plan=new_plan.name, what="; ".join(reasons))

    def _current_period(self, line, date):
        """(start, end) of the invoiced period of ``line`` containing ``date``,
        or None when ``date`` is not inside an invoiced period."""
        if not line:
            return None
        return proration.current_period(
            line.last_date_invoiced, line.date_start,
            line.get_relative_delta(line.recurring_rule_type, line.recurring_interval), date)

    def _preview_plan_change(self, new_plan, date=None):
        """Amounts of a change to ``new_plan`` on ``date``; writes nothing
        (``saas.plan.change._preview``)."""
        return self.env["saas.plan.change"]._preview(self, new_plan, date)

    def change_plan(self, new_plan, date=None):
        """Move the instance to ``new_plan`` on ``date`` (today by default):
        stop the contract line, start a successor, credit/charge pro rata,
        write the new limits into the tenant at once, and leave a
        ``saas.plan.change``.  UserError (nothing changed) when the tenant's
        usage does not fit the new plan.  Returns the preview's values."""
        self._check_action_access()
        self.ensure_one()
        return self.env["saas.plan.change"]._make(self, new_plan, date)._preview_values()

    def _portal_plan_changes(self):
        """The plan changes a customer reads on its instance's page: read
        sudo (customers have no access to the model) after checking that
        this user may read the instance."""
        self.ensure_one()
        self.check_access("read")
        return self.sudo().plan_change_ids

    def action_view_plan_changes(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window", "name": _("Plan Changes"),
            "res_model": "saas.plan.change", "view_mode": "list,form",
            "domain": [("instance_id", "=", self.id)], "context": {"create": False},
        }
