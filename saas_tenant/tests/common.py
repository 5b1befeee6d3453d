from odoo.addons.saas_tenant import limits


def master_write(cr, **settings):
    """Write settings the way the master does: plain SQL, upsert."""
    for key, value in settings.items():
        cr.execute(
            """
            INSERT INTO saas_control.tenant_setting (key, value, write_date)
            VALUES (%s, %s, now() AT TIME ZONE 'UTC')
            ON CONFLICT (key) DO UPDATE
               SET value = EXCLUDED.value, write_date = EXCLUDED.write_date
            """,
            (key, str(value)),
        )


def master_clear(cr):
    cr.execute(f"DELETE FROM {limits.TABLE}")
