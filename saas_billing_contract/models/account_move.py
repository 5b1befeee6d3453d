import logging

from odoo import fields, models

_logger = logging.getLogger(__name__)


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
        """Post the drafts the contract made and queue their mails."""
        drafts = self.filtered(lambda move: move.state == "draft")
        # A downgrade credit can exceed the next period's price: Odoo refuses
        # to post a negative invoice, a credit note is what it is.
        drafts.filtered(
            lambda move: move.move_type == "out_invoice" and move.amount_total < 0
        ).action_switch_move_type()
        drafts.action_post()
        self._saas_send()

    def _saas_send(self):
        template = self.env.ref("saas_billing_contract.mail_template_saas_invoice")
        to_send = self.filtered(lambda m: m.state == "posted" and not m.is_move_sent)
        no_email = to_send.filtered(lambda m: not m.partner_id.email)
        for move in no_email:
            _logger.warning("invoice %s: customer without email, not sent", move.name)
        to_send -= no_email
        if not to_send:
            return
        # One batch render for all of them (a cron run makes hundreds);
        # send_mail_batch only queues mail.mail records, the mail queue cron
        # sends them.
        template.send_mail_batch(to_send.ids, email_layout_xmlid="mail.mail_notification_light")
        to_send.is_move_sent = True

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        self.env["saas.instance"].sudo()._billing_reactivate_paid(self)
        return res
