"""18.0.1.2.0: the trial moved to saas_billing_contract (its fields keep
their columns: billing, which depends on saas_base, is updated in the same
run and takes the fields' records over); saas_base records only the day an
instance first became active.  Instances live before that get it."""
import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    done = env["saas.instance"]._backfill_activation_date()
    _logger.info("saas_base migration: activation date set on %d instance(s)", len(done))
