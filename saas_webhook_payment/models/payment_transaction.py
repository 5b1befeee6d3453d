from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _webhook_instances(self):
        """Instances the transaction pays for: those of its invoices, else
        the live instances of its customer."""
        self.ensure_one()
        instances = self.invoice_ids._webhook_instances()
        if not instances:
            instances = self.env["saas.instance"].sudo().search([
                ("partner_id", "child_of", self.partner_id.commercial_partner_id.id),
                ("state", "not in", ("draft", "terminated")),
            ])
        return instances

    def _webhook_data(self):
        self.ensure_one()
        instances = self._webhook_instances()
        return {
            "transaction_id": self.id,
            "reference": self.reference,
            "provider": self.provider_code,
            "amount": self.amount,
            "currency": self.currency_id.name,
            "customer": {"id": self.partner_id.id, "name": self.partner_id.name},
            "error": self.state_message or None,
            "invoice_ids": self.invoice_ids.ids,
            "instance_id": instances[:1].id or None,
            "instance_ids": instances.ids,
        }

    def _set_error(self, state_message, extra_allowed_states=()):
        failed = super()._set_error(state_message, extra_allowed_states=extra_allowed_states)
        Event = self.env["saas.webhook.event"]
        for tx in failed:
            if tx._webhook_instances():
                Event._emit("payment.failed", tx)
        return failed
