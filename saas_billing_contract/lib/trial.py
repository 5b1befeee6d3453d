"""When billing starts: the day after the trial, or today."""
from datetime import timedelta


def billing_start(today, trial_end=None, trial_days=0, not_active_yet=False):
    """The first billed day.  A running trial (``trial_end`` today or
    later) is billed from the day after it; an instance not active yet has
    no trial end: its trial will end ``trial_days`` after today."""
    if trial_end and trial_end >= today:
        return trial_end + timedelta(days=1)
    if not trial_end and trial_days and not_active_yet:
        return today + timedelta(days=trial_days + 1)
    return today


def trial_end(activation_day, trial_days):
    """Last day of the trial of an instance activated on ``activation_day``
    (None without a trial)."""
    return activation_day + timedelta(days=trial_days) if trial_days else None
