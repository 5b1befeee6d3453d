from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import trial


class SaasInstance(models.Model):
    """The subscription: the customer's contract and the instance's line on
    it, created when the instance is requested (``_hook_provision``)."""

    _inherit = "saas.instance"

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
