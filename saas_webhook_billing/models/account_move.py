import weakref

from odoo import models

# cursor -> ids of the moves its _post is posting (emptied when it returns)
_POSTING = weakref.WeakKeyDictionary()


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
        held = self._webhook_posting()
        held.update(self.ids)
        try:
            posted = super()._post(soft=soft)
        finally:
            held.difference_update(self.ids)
        Event = self.env["saas.webhook.event"]
        for move in posted._webhook_saas_invoices():
            Event._emit("invoice.posted", move)
            if move.payment_state in ("paid", "in_payment"):
                Event._emit("invoice.paid", move)
        return posted

    def _webhook_posting(self):
        """Ids of the moves this cursor is posting now (their "paid" waits
        for "posted")."""
        return _POSTING.setdefault(self.env.cr, set())

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        held = self._webhook_posting()
        Event = self.env["saas.webhook.event"]
        for move in self._webhook_saas_invoices().filtered(
                lambda m: m.payment_state in ("paid", "in_payment") and m.id not in held):
            Event._emit("invoice.paid", move)
        return res
