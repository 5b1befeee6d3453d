"""What to keep, when a backup is due, how healthy an instance's backups are.

Plain Python over datetimes (naive UTC, as Odoo stores them), no Odoo.
"""
from datetime import timedelta

DEFAULT_RETENTION = {"daily": 7, "weekly": 2, "monthly": 1, "latest": 7}

SCHEDULE_INTERVALS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
# a cron that runs every hour must not push a daily backup an hour later
# each day: due slightly before the full interval
DUE_SLACK = timedelta(hours=1)

HEALTH_WARNING_AFTER = timedelta(days=1)
HEALTH_DANGER_AFTER = timedelta(days=5)


def _buckets():
    return {
        "daily": lambda d: d.date(),
        "weekly": lambda d: d.isocalendar()[:2],
        "monthly": lambda d: (d.year, d.month),
    }


def select_kept(backups, daily=7, weekly=2, monthly=1, latest=7):
    """Which backups retention keeps.

    :param backups: iterable of (key, datetime) of successful backups.
    :returns: set of the keys to keep: the ``latest`` newest, and the newest
        backup of each of the ``daily`` most recent days that have one, of
        the ``weekly`` most recent ISO weeks, of the ``monthly`` most recent
        months.  Everything else may be pruned.
    """
    ordered = sorted(backups, key=lambda item: (item[1], item[0]), reverse=True)
    kept = {key for key, _when in ordered[:max(latest, 0)]}
    counts = {"daily": daily, "weekly": weekly, "monthly": monthly}
    for period, bucket_of in _buckets().items():
        seen = set()
        for key, when in ordered:
            if len(seen) >= counts[period]:
                break
            bucket = bucket_of(when)
            if bucket not in seen:
                seen.add(bucket)
                kept.add(key)
    return kept


def select_pruned(backups, **retention):
    """The keys of ``backups`` that retention does not keep."""
    backups = list(backups)
    kept = select_kept(backups, **retention)
    return {key for key, _when in backups if key not in kept}


def is_due(schedule, last_backup_at, now):
    """True when an instance on ``schedule`` ('daily', 'weekly', 'none')
    whose last successful (or running) backup started at ``last_backup_at``
    (None: never) needs one at ``now``."""
    interval = SCHEDULE_INTERVALS.get(schedule)
    if interval is None:
        return False
    return last_backup_at is None or now - last_backup_at >= interval - DUE_SLACK


def health(configured, last_backup_at, now, drill_failed=False):
    """'none' (not configured), 'normal' (< 1 day), 'warning' (1-5 days) or
    'danger' (> 5 days, never, or the latest drill failed)."""
    if not configured:
        return "none"
    if drill_failed or last_backup_at is None:
        return "danger"
    age = now - last_backup_at
    if age < HEALTH_WARNING_AFTER:
        return "normal"
    if age <= HEALTH_DANGER_AFTER:
        return "warning"
    return "danger"
