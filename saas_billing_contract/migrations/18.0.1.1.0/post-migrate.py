"""18.0.1.1.0: instances are subscribed when requested.  Instances created
before that have no contract line and would never be invoiced: subscribe
every live paid one (once), and log what was done."""
import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    report = env["saas.instance"]._billing_subscribe_unsubscribed()
    for subdomain, what in sorted(report.items()):
        _logger.info("saas_billing_contract migration: %s: %s", subdomain, what)
    _logger.info("saas_billing_contract migration: %d instance(s) subscribed, %d skipped",
                 sum(1 for w in report.values() if w.startswith("subscribed")),
                 sum(1 for w in report.values() if w.startswith("skipped")))
    # the invoice mail carries its PDF from now on (the template is noupdate)
    template = env.ref("saas_billing_contract.mail_template_saas_invoice",
                       raise_if_not_found=False)
    pdf = env.ref("account.account_invoices", raise_if_not_found=False)
    if template and pdf and pdf not in template.report_template_ids:
        template.report_template_ids = [(4, pdf.id)]
