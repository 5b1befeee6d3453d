from datetime import timedelta

from odoo import api, fields, models

# payment states of an invoice still (partly) due
UNPAID = ("not_paid", "partial")


class SaasInstance(models.Model):
    """The invoices of an instance (its contract lines' invoice lines), the
    saved payment method that pays them, and the backend buttons to them."""

    _inherit = "saas.instance"

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

    @api.model
    def _billing_payment_token(self, partner):
        """The saved payment method charged for ``partner``'s invoices: the
        newest active token of its commercial entity on a live provider."""
        return self.env["payment.token"].sudo().search([
            ("partner_id", "child_of", partner.commercial_partner_id.id),
            ("provider_id.state", "in", ("enabled", "test")),
            ("active", "=", True),
        ], order="id desc", limit=1)

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
