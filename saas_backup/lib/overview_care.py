"""Plain SQL reads of the backups for the operator's overview (no odoo
import)."""


def backup_health(cr):
    """{normal, warning, danger, never, none} over the live instances
    (active or suspended): ``danger`` with a backup too old or a failed
    drill, ``never`` in danger for want of any backup, ``none`` not
    configured."""
    cr.execute("""
        SELECT count(*) FILTER (WHERE backup_health = 'normal'),
               count(*) FILTER (WHERE backup_health = 'warning'),
               count(*) FILTER (WHERE backup_health = 'danger' AND last_backup_at IS NOT NULL),
               count(*) FILTER (WHERE backup_health = 'danger' AND last_backup_at IS NULL),
               count(*) FILTER (WHERE backup_health = 'none' OR backup_health IS NULL)
          FROM saas_instance WHERE state IN ('active', 'suspended')""")
    return dict(zip(("normal", "warning", "danger", "never", "none"), cr.fetchone()))


def drills(cr, since):
    """(passed, failed): restore drills run at or after ``since``."""
    cr.execute("SELECT count(*) FILTER (WHERE drill_state = 'passed'),"
               " count(*) FILTER (WHERE drill_state = 'failed')"
               " FROM saas_backup WHERE drill_date >= %s", [since])
    return cr.fetchone()
