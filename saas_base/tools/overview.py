"""Plain helpers of the operator overview (no odoo import): SQL reads of
the instances, one concern each, and the arithmetic around them.  Every
function takes a psycopg2 cursor (or plain values) and returns plain data,
so the bench and the tests call them without a registry."""
from datetime import timedelta


def rate(part, whole):
    """part / whole, 0.0 when there is nothing to divide."""
    return part / whole if whole else 0.0


def percent(ratio):
    return f"{round(ratio * 100)} %"


def fill_days(counts, first, last):
    """[(day, count)] for every day from ``first`` to ``last`` (dates),
    0 where ``counts`` ({day: count}) has none."""
    days = []
    day = first
    while day <= last:
        days.append((day, counts.get(day, 0)))
        day += timedelta(days=1)
    return days


def tenants_by_state(cr):
    """{state: number of instances}."""
    cr.execute("SELECT state, count(*) FROM saas_instance GROUP BY state")
    return dict(cr.fetchall())


def terminated_since(cr, since):
    """Ids of the instances terminated at or after ``since`` (a datetime)."""
    cr.execute("SELECT id FROM saas_instance WHERE state = 'terminated' AND state_date >= %s",
               [since])
    return {row[0] for row in cr.fetchall()}


def signups_per_day(cr, first, last):
    """[(day, instances created that day)] from ``first`` to ``last`` (UTC days)."""
    cr.execute("SELECT create_date::date, count(*) FROM saas_instance"
               " WHERE create_date >= %s AND create_date < %s GROUP BY 1",
               [first, last + timedelta(days=1)])
    return fill_days(dict(cr.fetchall()), first, last)
