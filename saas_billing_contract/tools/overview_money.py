"""Plain SQL reads of the money for the operator's overview (no odoo
import).  MRR is the sum of the running lines of the SaaS subscription
contracts, each brought to a month by its recurrence (OCA contract stores
that as ``contract_line.monthly_recurring``: the line's subtotal divided by
the months of its rule times its interval, so a yearly line counts 1/12).
"""
import calendar
from datetime import date

RUNNING = """
      FROM contract_line cl
      JOIN contract_contract c ON c.id = cl.contract_id
     WHERE c.saas_subscription AND c.active AND c.contract_type = 'sale'
       AND c.company_id = %(company)s
       AND NOT coalesce(cl.is_canceled, false) AND cl.display_type IS NULL
       AND cl.date_start <= {day} AND (cl.date_end IS NULL OR cl.date_end >= {day})
"""


def trend_days(today, months=12):
    """The last day of each of the ``months - 1`` months before ``today``'s,
    then ``today``: the points of the MRR trend."""
    days = []
    for back in range(months - 1, 0, -1):
        year, month = today.year, today.month - back
        while month < 1:
            year, month = year - 1, month + 12
        days.append(date(year, month, calendar.monthrange(year, month)[1]))
    return days + [today]


def mrr_trend(cr, company_id, days):
    """[(day, MRR: the monthly recurring revenue of the lines running on
    that day)] for each of ``days``, in one query."""
    cr.execute("SELECT d.day, (SELECT coalesce(sum(cl.monthly_recurring), 0)"
               + RUNNING.format(day="d.day") + ") FROM unnest(%(days)s::date[]) AS d(day)"
               " ORDER BY d.day", {"company": company_id, "days": list(days)})
    return cr.fetchall()


def mrr_per_plan(cr, company_id, day):
    """[(plan id or None, MRR)] of the lines running on ``day``, largest first."""
    cr.execute("SELECT cl.saas_plan_id, sum(cl.monthly_recurring)"
               + RUNNING.format(day="%(day)s") + " GROUP BY cl.saas_plan_id ORDER BY 2 DESC",
               {"company": company_id, "day": day})
    return cr.fetchall()


def overdue(cr, company_id, today):
    """(count, amount) of the posted customer invoices past their due date
    and not paid (the amount still due, in the company's currency)."""
    cr.execute("""
        SELECT count(*), coalesce(sum(amount_residual_signed), 0) FROM account_move
         WHERE move_type = 'out_invoice' AND state = 'posted'
           AND payment_state IN ('not_paid', 'partial')
           AND invoice_date_due < %s AND company_id = %s""", [today, company_id])
    return cr.fetchone()


def cancelled_since(cr, since):
    """Ids of the instances suspended for an ended subscription on or
    after ``since`` (a date)."""
    cr.execute("SELECT id FROM saas_instance WHERE billing_suspended = 'cancelled'"
               " AND billing_suspend_date >= %s", [since])
    return {row[0] for row in cr.fetchall()}
