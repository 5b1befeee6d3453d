from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.saas_base.tools import settings

from ..lib import proration

PARAM = "saas_billing_contract."


class SaasPlanChange(models.Model):
    """One change of plan of an instance, and what it was billed.

    ``_preview`` computes the amounts (lib/proration.py) and writes nothing;
    ``_make`` makes the change: the contract line is replaced by a successor
    on the new plan, the credit and the pro rata charge wait as billing
    adjustments for the next invoice (or are invoiced at once, setting), and
    this record stays for the operator and the customer (the portal reads it
    sudo after its own check: customers have no access of their own)."""

    _name = "saas.plan.change"
    _description = "SaaS Plan Change"
    _order = "effective_date desc, id desc"

    name = fields.Char(compute="_compute_name")
    instance_id = fields.Many2one("saas.instance", required=True, readonly=True, index=True,
                                  ondelete="cascade")
    partner_id = fields.Many2one(related="instance_id.partner_id", store=True,
                                 string="Customer")
    old_plan_id = fields.Many2one("saas.plan", string="Old Plan", readonly=True,
                                  ondelete="restrict")
    new_plan_id = fields.Many2one("saas.plan", string="New Plan", required=True,
                                  readonly=True, ondelete="restrict")
    date = fields.Date(string="Asked On", required=True, readonly=True)
    effective_date = fields.Date(required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Asked By", readonly=True,
                              ondelete="set null")
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    credit = fields.Monetary(readonly=True, help="Unused part of the old plan, credited.")
    charge = fields.Monetary(readonly=True, help="Pro rata (or full) price of the new plan.")
    net = fields.Monetary(readonly=True, help="Charge less credit.")
    period_start = fields.Date(readonly=True, help="Invoiced period the change fell in.")
    period_end = fields.Date(readonly=True)
    days = fields.Integer(readonly=True, help="Days of that period left at the change.")
    period_days = fields.Integer(readonly=True)
    old_line_id = fields.Many2one("contract.line", string="Old Contract Line",
                                  readonly=True, ondelete="set null")
    new_line_id = fields.Many2one("contract.line", string="New Contract Line",
                                  readonly=True, ondelete="set null")
    adjustment_ids = fields.One2many("saas.billing.adjustment", "plan_change_id",
                                     string="Adjustments", readonly=True)
    move_ids = fields.Many2many("account.move", string="Invoices",
                                compute="_compute_move_ids",
                                help="Invoices or credit notes that billed its adjustments.")

    @api.depends("old_plan_id", "new_plan_id")
    def _compute_name(self):
        for change in self:
            change.name = _("%(old)s → %(new)s", old=change.old_plan_id.name or _("no plan"),
                            new=change.new_plan_id.name)

    @api.depends("adjustment_ids.move_line_ids")
    def _compute_move_ids(self):
        for change in self:
            change.move_ids = change.adjustment_ids.move_line_ids.move_id

    # ------------------------------------------------------------------
    # preview and change
    # ------------------------------------------------------------------
    @api.model
    def _preview(self, instance, new_plan, date=None):
        """Amounts of a change of ``instance`` to ``new_plan`` on ``date``;
        writes nothing.

        Rule (readme/CONFIGURE.md, lib/proration.py): daily proration over
        the actual days of the current invoiced period.  credit = old price
        x remaining days / period days; if the new plan has the same period,
        charge = new price x remaining days / period days and the new line
        continues on the same period boundaries; otherwise the new line
        starts a full period of its own on ``date`` and charge = its full
        price.  Each amount is rounded to the currency."""
        instance.ensure_one()
        date = date or fields.Date.context_today(instance)
        line = instance.contract_line_id
        currency = line.currency_id or new_plan.currency_id or self.env.company.currency_id
        result = {"credit": 0.0, "charge": 0.0, "net": 0.0, "currency_id": currency.id,
                  "date": date, "allowed": True, "reason": ""}
        if new_plan == instance.plan_id:
            result.update(allowed=False, reason=_("The instance is already on plan %s.",
                                                    new_plan.name))
            return result
        reason = instance._plan_change_refusal(new_plan)
        if reason:
            result.update(allowed=False, reason=reason)
            return result
        period = instance._current_period(line, date)
        if period:
            result.update(proration.amounts(
                line.price_unit, new_plan.price,
                new_plan._recurring_rule_type() == line.recurring_rule_type,
                period, date, currency.round))
        return result

    @api.model
    def _make(self, instance, new_plan, date=None):
        """Move ``instance`` to ``new_plan`` on ``date`` (today by default)
        and return the record of it.  UserError, and nothing changed nor
        recorded, when the change is refused (same plan, usage above the new
        plan's limits)."""
        instance.ensure_one()
        date = date or fields.Date.context_today(instance)
        preview = self._preview(instance, new_plan, date)
        if not preview["allowed"]:
            raise UserError(preview["reason"])
        old_plan = instance.plan_id
        line = instance.contract_line_id.sudo()
        change = self.sudo().create({
            "instance_id": instance.id, "old_plan_id": old_plan.id,
            "new_plan_id": new_plan.id, "date": fields.Date.context_today(instance),
            "effective_date": date, "user_id": self.env.uid,
            "currency_id": preview["currency_id"], "credit": preview["credit"],
            "charge": preview["charge"], "net": preview["net"],
            "period_start": preview.get("period_start"),
            "period_end": preview.get("period_end"),
            "days": preview.get("days", 0), "period_days": preview.get("period_days", 0),
            "old_line_id": line.id,
        })
        if line and not line.last_date_invoiced and line.date_start >= date:
            # nothing invoiced yet (trial, future start): the line just changes
            line.write(instance._contract_line_plan_vals(new_plan))
        elif line:
            change._replace_contract_line(line, preview)
        instance.plan_id = new_plan
        if (instance._billing_is_paid() and not instance.contract_line_id
                and instance.state in ("provisioning", "active", "suspended")):
            # from a free plan: billed from the change on
            instance._subscribe(date_start=date)
        change.new_line_id = instance.contract_line_id
        instance.message_post(body=_(
            "Plan changed from %(old)s to %(new)s on %(date)s: credit %(credit)s, "
            "charge %(charge)s.", old=old_plan.name, new=new_plan.name, date=date,
            credit=preview["credit"], charge=preview["charge"]))
        self.env["saas.events"]._saas_event("instance.plan_changed", instance, {
            "previous_plan": {"id": old_plan.id, "name": old_plan.name} if old_plan else None,
            "change_date": date, "credit": preview["credit"], "charge": preview["charge"]})
        instance._billing_push_limits()
        if instance.billing_adjustment_ids.filtered(lambda a: not a.invoiced) and \
                settings.get(self.env, PARAM + "immediate_invoice"):
            change._invoice_adjustments_now()
        return change

    def _preview_values(self):
        """The preview of this change, as ``_preview`` gave it."""
        self.ensure_one()
        values = {"credit": self.credit, "charge": self.charge, "net": self.net,
                  "currency_id": self.currency_id.id, "date": self.effective_date,
                  "allowed": True, "reason": ""}
        if self.period_start:
            values.update(period_start=self.period_start, period_end=self.period_end,
                          days=self.days, period_days=self.period_days)
        return values

    def _replace_contract_line(self, line, preview):
        """Stop ``line`` the day before the change, start its successor on
        the new plan, and record the credit and the pro rata charge."""
        self.ensure_one()
        instance, new_plan, date = self.instance_id, self.new_plan_id, self.effective_date
        period = preview.get("period_start") and (preview["period_start"],
                                                  preview["period_end"])
        same_period = new_plan._recurring_rule_type() == line.recurring_rule_type
        dates = proration.successor_dates(period, same_period, date)
        if period:
            stop = dates["old_last_invoiced"]
            line.last_date_invoiced = stop if stop >= line.date_start else False
        line.stop(dates["stop"])
        new_line = line.plan_successor(date, False, False,
                                       recurring_next_date=dates["next_date"])
        vals = instance._contract_line_plan_vals(new_plan)
        if dates["new_last_invoiced"]:
            vals["last_date_invoiced"] = dates["new_last_invoiced"]
        new_line.write(vals)
        new_line.recurring_next_date = dates["next_date"]
        instance.contract_line_id = new_line
        if period:
            self._create_adjustments(new_line, line, preview, same_period)

    def _create_adjustments(self, new_line, old_line, preview, same_period):
        self.ensure_one()
        instance, date, end = self.instance_id, self.effective_date, preview["period_end"]
        Adjustment = self.env["saas.billing.adjustment"].sudo()
        common = {"instance_id": instance.id, "contract_line_id": new_line.id, "date": date,
                  "plan_change_id": self.id}
        days = _("%(d)s/%(n)s days", d=preview["days"], n=preview["period_days"])
        Adjustment.create(dict(common, amount=-preview["credit"], name=_(
            "%(sub)s: credit for unused %(plan)s (%(start)s - %(end)s, %(days)s)",
            sub=instance.subdomain, plan=old_line.saas_plan_id.name or old_line.name,
            start=date, end=end, days=days)))
        if same_period:
            Adjustment.create(dict(common, amount=preview["charge"], name=_(
                "%(sub)s: %(plan)s pro rata (%(start)s - %(end)s, %(days)s)",
                sub=instance.subdomain, plan=self.new_plan_id.name, start=date, end=end,
                days=days)))

    def _invoice_adjustments_now(self):
        """One invoice (or credit note) for the instance's pending adjustments."""
        self.ensure_one()
        instance = self.instance_id.sudo()
        pending = instance.billing_adjustment_ids.filtered(lambda a: not a.invoiced)
        vals = instance.contract_id._prepare_invoice(self.effective_date)
        vals["invoice_line_ids"] = [(0, 0, adj._invoice_line_vals()) for adj in pending]
        move = self.env["account.move"].sudo().create(vals)
        move._saas_post_and_send()
        return move
