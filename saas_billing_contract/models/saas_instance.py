import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.saas_base.tools import settings
from odoo.addons.saas_router import tenant_contract

from ..lib import dunning, proration, trial

_logger = logging.getLogger(__name__)

PARAM = "saas_billing_contract."
UNPAID = ("not_paid", "partial")


class SaasInstance(models.Model):
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
    trial_reminder_sent = fields.Integer(
        readonly=True, copy=False,
        help="Days-before-trial-end of the last trial reminder sent (0: none).")
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
    # invoices
    # ------------------------------------------------------------------
    def _compute_invoice_count(self):
        groups = self.env["account.move.line"].sudo()._read_group(
            [("saas_instance_id", "in", self.ids),
             ("move_id.move_type", "in", ("out_invoice", "out_refund"))],
            ["saas_instance_id"], ["move_id:count_distinct"])
        counts = {instance.id: count for instance, count in groups}
        for instance in self:
            instance.invoice_count = counts.get(instance.id, 0)

    def _billing_invoice_domain(self):
        return [("move_type", "=", "out_invoice"), ("state", "=", "posted"),
                ("line_ids.saas_instance_id", "in", self.ids)]

    def _open_invoices(self):
        """Posted customer invoices of these instances not paid yet."""
        return self.env["account.move"].sudo().search(
            self._billing_invoice_domain() + [("payment_state", "in", UNPAID)])

    def _overdue_invoices(self, grace_days=0, date=None):
        """Open invoices whose due date is more than ``grace_days`` before
        ``date`` (today by default)."""
        date = date or fields.Date.context_today(self)
        return self.env["account.move"].sudo().search(
            self._billing_invoice_domain() + [
                ("payment_state", "in", UNPAID),
                ("invoice_date_due", "<", date - timedelta(days=grace_days)),
            ])

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type")
        action["domain"] = [("line_ids.saas_instance_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_view_contract(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window", "res_model": "contract.contract",
            "res_id": self.contract_id.id, "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # subscription
    # ------------------------------------------------------------------
    def _billing_start_date(self):
        """The contract line starts the day after the trial, or today.  An
        instance requested but not active yet has no trial end date: its
        trial will end ``trial_days`` after today (realigned on activation,
        ``_billing_align_trial_start``)."""
        self.ensure_one()
        return trial.billing_start(
            fields.Date.context_today(self), self.trial_end_date, self.plan_id.trial_days,
            not_active_yet=self.state in ("draft", "provisioning"))

    def _billing_is_paid(self):
        """Instances on a plan with a price: they get a contract line."""
        return self.filtered(lambda i: i.plan_id and i.plan_id.price > 0)

    def _contract_line_name(self, plan):
        # #START# / #END# are OCA contract markers: each invoice line says
        # which instance and which period it bills.
        return _("%(plan)s - %(sub)s (#START# - #END#)", plan=plan.name, sub=self.subdomain)

    def _contract_line_plan_vals(self, plan):
        product = plan._billing_product()
        return {
            "product_id": product.id,
            "name": self._contract_line_name(plan),
            "uom_id": product.uom_id.id,
            "automatic_price": False,
            "price_unit": plan.price,
            "specific_price": plan.price,
            "recurring_rule_type": plan._recurring_rule_type(),
            "recurring_interval": 1,
            "recurring_invoicing_type": "pre-paid",
            "saas_plan_id": plan.id,
        }

    def _subscription_contract(self):
        """The customer's SaaS contract (one per commercial partner and company)."""
        self.ensure_one()
        Contract = self.env["contract.contract"].sudo()
        partner = self.partner_id.commercial_partner_id
        contract = Contract.search([
            ("saas_subscription", "=", True), ("partner_id", "=", partner.id),
            ("company_id", "=", self.env.company.id), ("contract_type", "=", "sale"),
        ], limit=1)
        if not contract:
            contract = Contract.create({
                "name": _("SaaS subscription of %s", partner.name),
                "partner_id": partner.id,
                "contract_type": "sale",
                "line_recurrence": True,
                "saas_subscription": True,
                "company_id": self.env.company.id,
            })
        return contract

    def _subscribe(self, date_start=None):
        """Create or extend the customer's contract with one line per instance.

        Idempotent: an instance with a running line is left alone.  An
        instance suspended because its trial ended is reactivated."""
        for instance in self:
            line = instance.contract_line_id.sudo()
            if line and not line.is_canceled and (
                    not line.date_end or line.date_end >= fields.Date.context_today(instance)):
                if (date_start and line.date_start != date_start and not line.last_date_invoiced
                        and not line.date_end):
                    # nothing invoiced yet: an explicit start moves the line
                    line.write({"date_start": date_start, "recurring_next_date": date_start})
                continue
            if not instance.plan_id:
                raise UserError(_("Instance %(name)s has no plan to subscribe to.",
                                  name=instance.display_name))
            contract = instance._subscription_contract()
            start = date_start or instance._billing_start_date()
            vals = dict(instance._contract_line_plan_vals(instance.plan_id),
                        contract_id=contract.id, saas_instance_id=instance.id,
                        date_start=start, recurring_next_date=start)
            line = self.env["contract.line"].sudo().create(vals)
            instance.write({"contract_id": contract.id, "contract_line_id": line.id})
            self.env["saas.events"]._saas_event("subscription.started", line)
            instance.message_post(body=_(
                "Subscribed: %(plan)s, billed from %(start)s on contract %(contract)s.",
                plan=instance.plan_id.name, start=start, contract=contract.display_name))
            if instance.state == "suspended" and instance.billing_suspended in ("trial",
                                                                                "cancelled"):
                instance._billing_lift_suspension()
        return True

    def _billing_lift_suspension(self):
        for instance in self:
            instance.action_reactivate()
            instance.write({"billing_suspended": False, "billing_suspend_date": False,
                            "dunning_invoice_ids": [(5, 0, 0)]})

    # ------------------------------------------------------------------
    # plan change with proration
    # ------------------------------------------------------------------
    def _plan_change_refusal(self, new_plan):
        """Why the tenant's usage does not fit ``new_plan`` (empty: it fits)."""
        self.ensure_one()
        reasons = []
        if new_plan.max_users and self.user_count > new_plan.max_users:
            reasons.append(_(
                "remove %(n)s user(s): the instance has %(have)s active users, "
                "plan %(plan)s allows %(max)s",
                n=self.user_count - new_plan.max_users, have=self.user_count,
                plan=new_plan.name, max=new_plan.max_users))
        used = (self.db_size_mb or 0.0) + (self.filestore_size_mb or 0.0)
        if new_plan.max_storage_mb and used > new_plan.max_storage_mb:
            reasons.append(_(
                "free %(n).0f MB of storage: the instance uses %(used).0f MB, "
                "plan %(plan)s allows %(max)s MB",
                n=used - new_plan.max_storage_mb, used=used, plan=new_plan.name,
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
        """Amounts of a change to ``new_plan`` on ``date``; writes nothing.

        Rule (readme/CONFIGURE.md): daily proration over the actual days of
        the current invoiced period.  credit = old price x remaining days /
        period days; if the new plan has the same period, charge = new price
        x remaining days / period days and the new line continues on the
        same period boundaries; otherwise the new line starts a full period
        of its own on ``date`` and charge = its full price.  Each amount is
        rounded to the currency."""
        self.ensure_one()
        date = date or fields.Date.context_today(self)
        line = self.contract_line_id
        currency = line.currency_id or new_plan.currency_id or self.env.company.currency_id
        result = {"credit": 0.0, "charge": 0.0, "net": 0.0, "currency_id": currency.id,
                  "date": date, "allowed": True, "reason": ""}
        if new_plan == self.plan_id:
            result.update(allowed=False, reason=_("The instance is already on plan %s.",
                                                    new_plan.name))
            return result
        reason = self._plan_change_refusal(new_plan)
        if reason:
            result.update(allowed=False, reason=reason)
            return result
        period = self._current_period(line, date)
        if period:
            result.update(proration.amounts(
                line.price_unit, new_plan.price,
                new_plan._recurring_rule_type() == line.recurring_rule_type,
                period, date, currency.round))
        return result

    def change_plan(self, new_plan, date=None):
        """Move the instance to ``new_plan`` on ``date`` (today by default):
        stop the contract line, start a successor, credit/charge pro rata,
        write the new limits into the tenant at once.  UserError (nothing
        changed) when the tenant's usage does not fit the new plan."""
        self._check_action_access()
        self.ensure_one()
        date = date or fields.Date.context_today(self)
        preview = self._preview_plan_change(new_plan, date)
        if not preview["allowed"]:
            raise UserError(preview["reason"])
        old_plan = self.plan_id
        line = self.contract_line_id.sudo()
        if line and not line.last_date_invoiced and line.date_start >= date:
            # nothing invoiced yet (trial, future start): the line just changes
            line.write(self._contract_line_plan_vals(new_plan))
        elif line:
            self._replace_contract_line(line, new_plan, date, preview)
        self.plan_id = new_plan
        if (self._billing_is_paid() and not self.contract_line_id
                and self.state in ("provisioning", "active", "suspended")):
            # from a free plan: billed from the change on
            self._subscribe(date_start=date)
        self.message_post(body=_(
            "Plan changed from %(old)s to %(new)s on %(date)s: credit %(credit)s, "
            "charge %(charge)s.", old=old_plan.name, new=new_plan.name, date=date,
            credit=preview["credit"], charge=preview["charge"]))
        self.env["saas.events"]._saas_event("instance.plan_changed", self, {
            "previous_plan": {"id": old_plan.id, "name": old_plan.name} if old_plan else None,
            "change_date": date, "credit": preview["credit"], "charge": preview["charge"]})
        self._billing_push_limits()
        if self.billing_adjustment_ids.filtered(lambda a: not a.invoiced) and \
                settings.get(self.env, PARAM + "immediate_invoice"):
            self._invoice_adjustments_now(date)
        return preview

    def _replace_contract_line(self, line, new_plan, date, preview):
        period = preview.get("period_start") and (preview["period_start"],
                                                  preview["period_end"])
        same_period = new_plan._recurring_rule_type() == line.recurring_rule_type
        stop_date = date - timedelta(days=1)
        if period:
            # After the credit, the old line counts as invoiced up to the
            # day before the change (a line cannot end before its last
            # invoiced day).
            line.last_date_invoiced = stop_date if stop_date >= line.date_start else False
        line.stop(stop_date)
        next_date = period[1] + timedelta(days=1) if period and same_period else date
        new_line = line.plan_successor(date, False, False, recurring_next_date=next_date)
        vals = self._contract_line_plan_vals(new_plan)
        if period and same_period:
            # the pro rata charge covers the rest of this period
            vals["last_date_invoiced"] = period[1]
        new_line.write(vals)
        new_line.recurring_next_date = next_date
        self.contract_line_id = new_line
        Adjustment = self.env["saas.billing.adjustment"].sudo()
        if period:
            start, end = date, period[1]
            days = _("%(d)s/%(n)s days", d=preview["days"], n=preview["period_days"])
            Adjustment.create({
                "instance_id": self.id, "contract_line_id": new_line.id, "date": date,
                "amount": -preview["credit"],
                "name": _("%(sub)s: credit for unused %(plan)s (%(start)s - %(end)s, %(days)s)",
                          sub=self.subdomain, plan=line.saas_plan_id.name or line.name,
                          start=start, end=end, days=days),
            })
            if same_period:
                Adjustment.create({
                    "instance_id": self.id, "contract_line_id": new_line.id, "date": date,
                    "amount": preview["charge"],
                    "name": _("%(sub)s: %(plan)s pro rata (%(start)s - %(end)s, %(days)s)",
                              sub=self.subdomain, plan=new_plan.name, start=start, end=end,
                              days=days),
                })

    def _billing_push_limits(self):
        """Write the plan's limits into the tenant now (not at next reactivation)."""
        self._live()._push_tenant_settings(
            keys=(tenant_contract.MAX_USERS, tenant_contract.MAX_STORAGE_MB))

    def _invoice_adjustments_now(self, date):
        """One invoice (or credit note) for the pending adjustments."""
        self.ensure_one()
        pending = self.billing_adjustment_ids.filtered(lambda a: not a.invoiced)
        contract = self.contract_id.sudo()
        vals = contract._prepare_invoice(date)
        vals["invoice_line_ids"] = [(0, 0, adj._invoice_line_vals()) for adj in pending]
        move = self.env["account.move"].sudo().create(vals)
        move._saas_post_and_send()
        return move

    # ------------------------------------------------------------------
    # dunning
    # ------------------------------------------------------------------
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

    # ------------------------------------------------------------------
    # subscription lifecycle: from the request, cancel / resume, end
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
            self.filtered(lambda i: old_states[i.id] == "provisioning")._billing_align_trial_start()
        elif new_state == "terminated":
            self._billing_end_subscription()

    def _billing_align_trial_start(self):
        """The trial end is known at activation: a line not invoiced yet
        starts the day after it."""
        for instance in self.filtered("trial_end_date"):
            line = instance.contract_line_id.sudo()
            start = instance.trial_end_date + timedelta(days=1)
            if (line and not line.is_canceled and not line.last_date_invoiced
                    and not line.date_end and line.date_start != start):
                line.write({"date_start": start, "recurring_next_date": start})

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

    def _billing_service_end(self):
        """Last day the customer may use the instance, or False (no end):
        the trial end for an unsubscribed or cancelled trial, the end of the
        paid period for a subscription cancelled at period end."""
        self.ensure_one()
        line = self.contract_line_id
        if not self._billing_is_paid():
            return False
        if not line or line.is_canceled:
            if self.trial_end_date:
                return self.trial_end_date
            if line:
                return line.date_start - timedelta(days=1)
            return False
        return line.date_end or False

    def _billing_has_subscription(self):
        """A running subscription (not cancelled, not ending)."""
        self.ensure_one()
        line = self.contract_line_id
        return bool(line and not line.is_canceled and not line.date_end)

    def action_subscribe(self):
        """Backend button: subscribe an instance created without one."""
        self._check_action_access()
        free = self.filtered(lambda i: not i._billing_is_paid())
        if free:
            raise UserError(_("%(names)s: a free plan has no subscription.",
                              names=", ".join(free.mapped("display_name"))))
        live = self.filtered(lambda i: i.state in ("draft", "provisioning", "active", "suspended"))
        if live != self:
            raise UserError(_("Only a live instance can be subscribed."))
        self._subscribe()
        return True

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

    @api.model
    def _billing_payment_token(self, partner):
        """The saved payment method charged for ``partner``'s invoices: the
        newest active token of its commercial entity on a live provider."""
        return self.env["payment.token"].sudo().search([
            ("partner_id", "child_of", partner.commercial_partner_id.id),
            ("provider_id.state", "in", ("enabled", "test")),
            ("active", "=", True),
        ], order="id desc", limit=1)

    @api.model
    def _billing_subscribe_unsubscribed(self):
        """One-time catch-up (migration 18.0.1.1.0): subscribe every live
        paid instance without a contract line.  Returns {subdomain: what}."""
        report = {}
        candidates = self.sudo().search([
            ("state", "in", ("provisioning", "active", "suspended")),
            ("contract_line_id", "=", False), ("plan_id.price", ">", 0)])
        for instance in candidates:
            if instance.state == "suspended":
                # suspended by an ended trial or by hand: a subscription
                # would bill (or reopen) it; a manager decides
                report[instance.subdomain] = "skipped: suspended"
                continue
            instance._subscribe()
            report[instance.subdomain] = "subscribed from %s" % (
                instance.contract_line_id.date_start)
        return report

    # ------------------------------------------------------------------
    # trials and ends of service
    # ------------------------------------------------------------------
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
