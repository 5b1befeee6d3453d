from datetime import date

from odoo import fields


def invoice_current_month(instance):
    """Subscribe from the first of the month and let OCA contract invoice it
    (pre-paid), then post: the current period is invoiced, so a plan change
    is prorated over the days left.  Returns the posted invoices."""
    today = fields.Date.context_today(instance)
    instance._subscribe(date_start=date(today.year, today.month, 1))
    instance.contract_id.sudo()._recurring_create_invoice()
    Move = instance.env["account.move"]
    drafts = Move.search([("line_ids.saas_instance_id", "=", instance.id),
                          ("state", "=", "draft")])
    drafts.action_post()
    return Move.search(instance._billing_invoice_domain())
