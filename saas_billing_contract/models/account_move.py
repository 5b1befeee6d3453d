import logging

from odoo import Command, _, fields, models
from odoo.exceptions import UserError, ValidationError

from .saas_instance_invoices import UNPAID

_logger = logging.getLogger(__name__)

# invoices charged and mailed per job
SETTLE_BATCH = 20


class AccountMove(models.Model):
    _inherit = "account.move"

    saas_instance_ids = fields.Many2many(
        "saas.instance", string="SaaS Instances", compute="_compute_saas_instance_ids",
        search="_search_saas_instance_ids")
    saas_dunning_level = fields.Integer(
        string="Reminder Step Sent", copy=False, readonly=True,
        help="Days overdue of the last payment reminder sent (0: none yet); "
        "keeps the dunning cron from sending the same reminder twice.")

    def _compute_saas_instance_ids(self):
        for move in self:
            move.saas_instance_ids = move.line_ids.saas_instance_id

    def _search_saas_instance_ids(self, operator, value):
        return [("line_ids.saas_instance_id", operator, value)]

    def _saas_post_and_send(self):
        """Post the drafts the contract made; the charge with a saved payment
        method and the mail are queued, one job per invoice, so that neither
        a payment provider nor PDF rendering holds the invoicing transaction."""
        drafts = self.filtered(lambda move: move.state == "draft")
        # A downgrade credit can exceed the next period's price: Odoo refuses
        # to post a negative invoice, a credit note is what it is.
        drafts.filtered(
            lambda move: move.move_type == "out_invoice" and move.amount_total < 0
        ).action_switch_move_type()
        drafts.action_post()
        self._saas_enqueue_settle()

    def _saas_enqueue_settle(self):
        """One job per SETTLE_BATCH invoices (a queue.job costs about as much
        as an invoice to create; a cron run makes hundreds)."""
        moves = self.filtered(lambda m: m.state == "posted" and not m.is_move_sent)
        for start in range(0, len(moves), SETTLE_BATCH):
            batch = moves[start:start + SETTLE_BATCH]
            batch.with_delay(
                priority=30,
                identity_key=f"saas_settle_invoices_{batch.ids[0]}_{batch.ids[-1]}_{len(batch)}",
                description=_("Charge and send %(count)s invoice(s) from %(first)s",
                              count=len(batch), first=batch[:1].name),
            )._saas_job_settle()

    def _saas_job_settle(self):
        """Job: per invoice, charge the saved payment method (if any), then
        mail it with its PDF.  Each invoice in its own savepoint: one
        failure is logged on it and does not undo the others' charges.
        Idempotent: a paid invoice is not charged again, a sent one not
        sent again."""
        if len(self) == 1:
            # alone (a retry): queue_job's retries and failed state apply
            return f"{self.name}: {self._saas_settle_one()}"
        results = []
        for move in self:
            try:
                with self.env.cr.savepoint():
                    results.append(f"{move.name}: {move._saas_settle_one()}")
            except Exception as exc:  # noqa: BLE001  one invoice never undoes the others
                _logger.exception("invoice %s: charge or mail failed, retried alone", move.name)
                move.with_delay(
                    priority=30, eta=300, max_retries=5,
                    identity_key=f"saas_settle_invoice_{move.id}",
                    description=_("Charge and send invoice %s (retry)", move.name),
                )._saas_job_settle()
                results.append(f"{move.name}: failed ({exc}), retried alone")
        return "\n".join(results)

    def _saas_settle_one(self):
        self.ensure_one()
        if self.state != "posted":
            return _("Not posted")
        done = []
        if self.move_type == "out_invoice" and self.payment_state in UNPAID:
            tx = self._saas_charge_saved_token()
            if tx:
                done.append(_("charge %(ref)s: %(state)s", ref=tx.reference, state=tx.state))
        if not self.is_move_sent:
            self._saas_send()
            done.append(_("mailed"))
        return ", ".join(done) or _("Nothing to do")

    def _saas_charge_saved_token(self):
        """Charge the residual amount with the customer's saved payment method.

        The transaction is post-processed at once (account_payment creates
        the payment and reconciles it: a paid overdue invoice reactivates its
        tenants through ``_invoice_paid_hook``); a refused charge mails the
        customer a link to pay online.  Returns the transaction, or an empty
        recordset when there is no saved method."""
        self.ensure_one()
        Transaction = self.env["payment.transaction"].sudo()
        token = self.env["saas.instance"]._billing_payment_token(self.partner_id)
        if not token or self.amount_residual <= 0:
            return Transaction
        invoice_ids = [Command.set(self.ids)]
        tx = Transaction.create({
            "provider_id": token.provider_id.id,
            "payment_method_id": token.payment_method_id.id,
            "reference": Transaction._compute_reference(
                token.provider_id.code, invoice_ids=invoice_ids),
            "amount": self.amount_residual,
            "currency_id": self.currency_id.id,
            "partner_id": self.partner_id.id,
            "token_id": token.id,
            "operation": "offline",
            "invoice_ids": invoice_ids,
        })
        try:
            with self.env.cr.savepoint():
                tx._send_payment_request()
        except (UserError, ValidationError) as exc:
            tx._set_error(str(exc))
        if tx.state in ("done", "cancel", "error"):
            tx._post_process()
        if tx.state in ("cancel", "error"):
            self._saas_send_payment_failed(tx)
        return tx

    def _saas_send_payment_failed(self, tx):
        template = self.env.ref("saas_billing_contract.mail_template_saas_payment_failed")
        self.message_post(body=_(
            "Automatic charge %(ref)s with %(token)s refused: %(reason)s",
            ref=tx.reference, token=tx.token_id.display_name,
            reason=tx.state_message or tx.state))
        if self.partner_id.email:
            template.send_mail(self.id, email_layout_xmlid="mail.mail_notification_light")

    def _saas_send(self):
        template = self.env.ref("saas_billing_contract.mail_template_saas_invoice")
        to_send = self.filtered(lambda m: m.state == "posted" and not m.is_move_sent)
        no_email = to_send.filtered(lambda m: not m.partner_id.email)
        for move in no_email:
            _logger.warning("invoice %s: customer without email, not sent", move.name)
        to_send -= no_email
        if not to_send:
            return
        # send_mail_batch only queues mail.mail records (the PDF attached),
        # the mail queue cron sends them.
        template.send_mail_batch(to_send.ids, email_layout_xmlid="mail.mail_notification_light")
        to_send.is_move_sent = True

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        self.env["saas.instance"].sudo()._billing_reactivate_paid(self)
        return res
