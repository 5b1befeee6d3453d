def demo_provider(env):
    """Odoo's demo payment provider, in test mode with a bank journal: what
    the tests charge saved cards with (never in production)."""
    provider = env.ref("payment.payment_provider_demo")
    provider.write({"state": "test"})
    if not provider.journal_id:
        provider.journal_id = env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", env.company.id)], limit=1)
    return provider
