def migrate(cr, version):
    """v1 -> v2: every existing note gets a priority (its body's length)."""
    cr.execute("UPDATE saas_demo_note SET priority = COALESCE(length(body), 0)")
