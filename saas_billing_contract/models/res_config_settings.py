from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    saas_billing_grace_days = fields.Integer(
        string="Grace Days", config_parameter="saas_billing_contract.grace_days",
        help="Days after an invoice's due date before its instance is suspended.")
    saas_billing_reminder_days = fields.Char(
        string="Payment Reminders", config_parameter="saas_billing_contract.reminder_days",
        help="Days after the due date on which a payment reminder is sent, separated by "
        "commas; all before the grace days end.")
    saas_billing_trial_reminder_days = fields.Char(
        string="Trial Reminders", config_parameter="saas_billing_contract.trial_reminder_days",
        help="Days before the trial end on which a reminder is sent, separated by commas.")
    saas_billing_trial_retention_days = fields.Integer(
        string="Trial Retention Days",
        config_parameter="saas_billing_contract.trial_retention_days",
        help="Days an expired trial stays suspended (data kept) before it is terminated.")
    saas_billing_immediate_invoice = fields.Boolean(
        string="Invoice Plan Changes at Once",
        config_parameter="saas_billing_contract.immediate_invoice",
        help="Invoice the credit and pro rata charge of a plan change immediately "
        "instead of on the next contract invoice.")
