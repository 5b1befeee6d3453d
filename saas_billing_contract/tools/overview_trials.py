"""Plain SQL reads of the trials for the operator's overview (no odoo
import): billing owns the trial (saas.plan.trial_days, instance
trial_end_date)."""


def trials_running(cr, today):
    """Active instances whose trial has not ended."""
    cr.execute("SELECT count(*) FROM saas_instance"
               " WHERE state = 'active' AND trial_end_date >= %s", [today])
    return cr.fetchone()[0]


def trials_ended(cr, since, today):
    """(ended, converted): trials that ended in [since, today), and those of
    them still active (a trial not paid for is suspended when it ends)."""
    cr.execute("SELECT count(*), count(*) FILTER (WHERE state = 'active') FROM saas_instance"
               " WHERE trial_end_date >= %s AND trial_end_date < %s", [since, today])
    ended, converted = cr.fetchone()
    return ended, converted
