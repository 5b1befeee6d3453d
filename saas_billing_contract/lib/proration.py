"""Daily proration of a plan change over the actual days of the invoiced
period (readme/CONFIGURE.md).

credit = old price x days left / period days.  When the new plan has the
same period, charge = new price x days left / period days and the new line
keeps the period's boundaries; otherwise the new line starts a full period
of its own on the day of the change and the charge is its full price.
"""
from datetime import timedelta


def current_period(last_invoiced, date_start, period, day):
    """(start, end) of the invoiced period containing ``day``, or None when
    ``day`` is in no invoiced period.  ``period`` is the line's length (a
    relativedelta); the period ends on ``last_invoiced``.

    OCA contract chains periods from the line's start (next start = last
    end + 1, end = start + period - 1 day), and month arithmetic clamps
    (31 January + 1 month = 28 February): one period earlier than the end
    is not always the start.  So the chain is walked from ``date_start``;
    when it does not meet ``last_invoiced`` (a successor line after a plan
    change keeps its predecessor's boundaries), the period is the one
    ending there, never before ``date_start``."""
    if not last_invoiced or last_invoiced < day:
        return None
    start = _chained_start(date_start, period, last_invoiced)
    if start is None:
        start = max(last_invoiced + timedelta(days=1) - period, date_start)
    if day < start:
        return None
    return start, last_invoiced


def _chained_start(date_start, period, last_invoiced):
    """Start of the period of OCA's chain from ``date_start`` that ends on
    ``last_invoiced``, or None when no period of the chain ends there."""
    start = date_start
    while start <= last_invoiced:
        end = start + period - timedelta(days=1)
        if end == last_invoiced:
            return start
        if end > last_invoiced or end < start:
            return None
        start = end + timedelta(days=1)
    return None


def amounts(old_price, new_price, same_period, period, day, round_amount):
    """Credit, charge and net of a change on ``day`` inside ``period``
    ((start, end), both included); each rounded by ``round_amount``."""
    start, end = period
    period_days = (end - start).days + 1
    days_left = (end - day).days + 1
    credit = round_amount(old_price * days_left / period_days)
    charge = round_amount(new_price * days_left / period_days if same_period else new_price)
    return {"credit": credit, "charge": charge, "net": round_amount(charge - credit),
            "period_start": start, "period_end": end, "days": days_left,
            "period_days": period_days}


def successor_dates(period, same_period, day):
    """How the contract line of a change on ``day`` is replaced, given the
    invoiced ``period`` ((start, end) or None) and whether the new plan has
    the same period: {stop: the old line's last day, old_last_invoiced:
    what the old line counts as invoiced up to after the credit (None:
    unchanged), next_date: the new line's first invoice, new_last_invoiced:
    what the new line counts as invoiced (None: nothing)}.

    With a credit, the old line counts as invoiced up to its last day (a
    line cannot end before its last invoiced day).  With the same period the
    pro rata charge covers the rest of the period: the new line is invoiced
    from the next period on, on the same boundaries."""
    stop = day - timedelta(days=1)
    keep_boundaries = bool(period and same_period)
    return {
        "stop": stop,
        "old_last_invoiced": stop if period else None,
        "next_date": period[1] + timedelta(days=1) if keep_boundaries else day,
        "new_last_invoiced": period[1] if keep_boundaries else None,
    }


def usage_excess(users, used_mb, max_users, max_storage_mb):
    """What the tenant's usage has above a plan's limits (0: a limit of
    0 is no limit): {"users": n, "storage_mb": x}, only the exceeded ones."""
    excess = {}
    if max_users and users > max_users:
        excess["users"] = users - max_users
    if max_storage_mb and used_mb > max_storage_mb:
        excess["storage_mb"] = used_mb - max_storage_mb
    return excess
