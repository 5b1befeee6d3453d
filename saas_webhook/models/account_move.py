from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _webhook_data(self):
        self.ensure_one()
        instances = self._webhook_instances()
        return {
            "invoice_id": self.id,
            "number": self.name,
            "move_type": self.move_type,
            "instance_id": instances[:1].id or None,
            "instance_ids": instances.ids,
            "customer": {"id": self.partner_id.id, "name": self.partner_id.name},
            "amount_total": self.amount_total,
            "amount_residual": self.amount_residual,
            "currency": self.currency_id.name,
            "invoice_date": self.invoice_date or None,
            "due_date": self.invoice_date_due or None,
            "payment_state": self.payment_state,
        }

    def _webhook_instances(self):
        # from the contract lines, not saas_instance_ids: that one has no
        # dependencies and may still hold its value from before the lines
        lines = self.invoice_line_ids
        return lines.contract_line_id.saas_instance_id | lines.saas_instance_id

    def _webhook_saas_invoices(self):
        return self.filtered(
            lambda move: move.move_type in ("out_invoice", "out_refund")
            and move._webhook_instances())

    def _post(self, soft=True):
        # a zero-amount invoice is "paid" inside _post: hold that event until
        # "posted" is out, so that receivers see them in that order
        held = self.with_context(saas_webhook_hold_paid=tuple(self.ids))
        posted = super(AccountMove, held)._post(soft=soft)
        Event = self.env["saas.webhook.event"]
        for move in posted._webhook_saas_invoices():
            Event._emit("invoice.posted", move)
            if move.payment_state in ("paid", "in_payment"):
                Event._emit("invoice.paid", move)
        return posted.with_env(self.env)

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        held = self.env.context.get("saas_webhook_hold_paid") or ()
        Event = self.env["saas.webhook.event"]
        for move in self._webhook_saas_invoices().filtered(
                lambda m: m.payment_state in ("paid", "in_payment") and m.id not in held):
            Event._emit("invoice.paid", move)
        return res
