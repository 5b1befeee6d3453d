"""The billing events moved to the bridge saas_webhook_billing (issue 27).

Their event types keep their records, and so the endpoints subscribed to
them: the xml ids are handed to the bridge before this update would delete
them (they are no longer in saas_webhook's data).  A migration of the bridge
itself would never run: Odoo runs migrations of updated modules, not of
modules being installed.  Odoo auto-installs a bridge only next to a module
being installed, not on an update, so the bridge is marked to install here
when billing is there (every database of the old saas_webhook has it): the
update's loading loop installs it in the same run, and invoices and
subscriptions go on sending their events.
"""

MOVED = (
    "event_type_instance_plan_changed",
    "event_type_subscription_started",
    "event_type_subscription_cancelled",
    "event_type_invoice_posted",
    "event_type_invoice_paid",
)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "UPDATE ir_model_data SET module = 'saas_webhook_billing' "
        "WHERE module = 'saas_webhook' AND name IN %s", [MOVED])
    cr.execute(
        "UPDATE ir_module_module SET state = 'to install' "
        "WHERE name = 'saas_webhook_billing' AND state = 'uninstalled' "
        "AND EXISTS (SELECT 1 FROM ir_module_module WHERE name = 'saas_billing_contract' "
        "AND state IN ('installed', 'to upgrade'))")
