from odoo import _, api, fields, models


class SaasInstance(models.Model):
    """Billing's fields of an instance and its reactions to the lifecycle.
    The work is in the rooms beside this one: saas_instance_subscription
    (the contract line, cancel/resume), saas_instance_trial (trial dates,
    the trial cron), saas_instance_dunning, saas_instance_invoices,
    saas_instance_plan_change (saas.plan.change does the change),
    saas_instance_limits, and saas_instance_crons (what the crons do to one
    instance)."""

    _inherit = "saas.instance"

    contract_id = fields.Many2one("contract.contract", string="Subscription", readonly=True,
                                  copy=False, index="btree_not_null", tracking=True)
    contract_line_id = fields.Many2one("contract.line", string="Current Contract Line",
                                       readonly=True, copy=False, tracking=True)
    contract_line_ids = fields.One2many("contract.line", "saas_instance_id",
                                        string="Contract Lines", readonly=True)
    next_invoice_date = fields.Date(related="contract_line_id.recurring_next_date")
    invoice_count = fields.Integer(compute="_compute_invoice_count")
    billing_suspended = fields.Selection(
        [("dunning", "Unpaid invoices"), ("trial", "Trial ended"),
         ("cancelled", "Subscription ended")],
        string="Suspended For", readonly=True, copy=False, tracking=True,
        help="Set when billing suspended the instance; payment (or a subscription "
        "for an ended trial) lifts it.")
    billing_suspend_date = fields.Date(readonly=True, copy=False)
    suspend_cause = fields.Selection(
        selection_add=[("dunning", "Unpaid invoices"), ("trial", "Trial ended"),
                       ("cancelled", "Subscription ended")],
        ondelete={"dunning": "set null", "trial": "set null", "cancelled": "set null"})
    dunning_invoice_ids = fields.Many2many(
        "account.move", "saas_instance_dunning_move_rel", "instance_id", "move_id",
        string="Invoices That Suspended It", readonly=True, copy=False)
    billing_adjustment_ids = fields.One2many("saas.billing.adjustment", "instance_id",
                                             string="Pending Adjustments")
    billing_can_subscribe = fields.Boolean(compute="_compute_billing_actions")
    billing_can_cancel = fields.Boolean(compute="_compute_billing_actions")
    billing_can_resume = fields.Boolean(compute="_compute_billing_actions")
    billing_service_end = fields.Date(
        string="Service Ends On", compute="_compute_billing_actions",
        help="Last day of use of a cancelled subscription or trial.")

    @api.depends("plan_id.price", "state", "contract_line_id.is_canceled",
                 "contract_line_id.date_end", "trial_end_date")
    def _compute_billing_actions(self):
        for instance in self:
            summary = instance._billing_summary()
            live = instance.state in ("draft", "provisioning", "active", "suspended")
            instance.billing_can_subscribe = (summary["paid"] and live
                                              and not summary["running"]
                                              and not summary["can_resume"])
            instance.billing_can_cancel = summary["can_cancel"]
            instance.billing_can_resume = summary["can_resume"]
            instance.billing_service_end = summary["ends_on"]

    # ------------------------------------------------------------------
    # lifecycle hooks
    # ------------------------------------------------------------------
    def _hook_provision(self):
        res = super()._hook_provision()
        # Every paid instance is subscribed when it is requested (portal
        # signup, backend, API): the line starts after the trial.
        self._billing_is_paid().filtered(lambda i: not i.contract_line_id)._subscribe()
        return res

    def _on_state_changed(self, old_states, new_state, message=None):
        super()._on_state_changed(old_states, new_state, message)
        if new_state == "active":
            activated = self.filtered(lambda i: old_states[i.id] == "provisioning")
            # the trial runs from the activation (saas_base's activation_date)
            activated._billing_start_trial()
            activated._billing_align_trial_start()
        elif new_state == "terminated":
            self._billing_end_subscription()

    def _billing_end_subscription(self):
        """A terminated instance is billed no more: its line is cancelled when
        nothing was invoiced, else it ends with the paid period."""
        for instance in self:
            line = instance.contract_line_id.sudo()
            if not line or line.is_canceled:
                continue
            if not line.last_date_invoiced:
                line.write({"is_canceled": True, "is_auto_renew": False})
                self.env["saas.events"]._saas_event("subscription.cancelled", line)
            elif not line.date_end or line.date_end > line.last_date_invoiced:
                cancelled_before = bool(line.date_end)
                line.write({"date_end": line.last_date_invoiced, "is_auto_renew": False})
                if not cancelled_before:
                    self.env["saas.events"]._saas_event("subscription.cancelled", line)
            line.contract_id.message_post(body=_(
                "%(sub)s terminated: its line is billed no more.", sub=instance.subdomain))
