def migrate(cr, version):
    """A migration that writes, then fails: the update must be rolled back."""
    cr.execute("UPDATE saas_demo_note SET priority = -1, name = 'BROKEN'")
    raise RuntimeError("saas_demo_notes 18.0.2.0.0: this migration fails on purpose")
