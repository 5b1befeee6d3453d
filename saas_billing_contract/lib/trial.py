"""Trials: when billing starts, when the trial ends, which reminder is due,
and the last day of service of an unsubscribed or cancelled instance."""
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


def reminder_step(trial_end_day, day, steps, last_sent):
    """The reminder due on ``day`` (0: none): the smallest of ``steps``
    (days before the trial end) already reached, unless that step or a
    later one (smaller) was sent (``last_sent``, 0: none yet)."""
    left = (trial_end_day - day).days
    step = min((s for s in steps if s >= left), default=0)
    if step and (not last_sent or step < last_sent):
        return step
    return 0


def service_end(trial_end_day, line_start=None, line_end=None, line_running=False):
    """Last day of use of a paid instance, or None (no end): its trial end
    when it has no running line (never subscribed, or the line cancelled),
    else the day before an unused line's start; the end of a line cancelled
    at period end."""
    if not line_running:
        if trial_end_day:
            return trial_end_day
        if line_start:
            return line_start - timedelta(days=1)
        return None
    return line_end or None
