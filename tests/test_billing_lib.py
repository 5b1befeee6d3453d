"""saas_billing_contract/lib without a registry, at the edge dates (a
month's end, 29 February, the year's end) as well as ordinary days."""
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from plainimport import load_file  # noqa: E402

LIB = REPO / "saas_billing_contract" / "lib"
proration = load_file("_saas_billing_proration", LIB / "proration.py")
trial = load_file("_saas_billing_trial", LIB / "trial.py")
dunning = load_file("_saas_billing_dunning", LIB / "dunning.py")
EDGE_DATES = load_file("_saas_billing_edge_dates",
                       REPO / "saas_billing_contract" / "tests" / "edge_dates.py").EDGE_DATES

MONTH, YEAR = relativedelta(months=1), relativedelta(years=1)
ROUND = lambda amount: round(amount, 2)  # noqa: E731


def oca_periods(start, period, count):
    """OCA contract's chain, as contract_recurring_mixin computes it: the
    next period starts the day after the last one ended, and ends one period
    later less a day."""
    periods = []
    for _ in range(count):
        end = start + period - timedelta(days=1)
        periods.append((start, end))
        start = end + timedelta(days=1)
    return periods


@pytest.mark.parametrize("start", EDGE_DATES + (date(2026, 12, 29), date(2025, 1, 1)))
@pytest.mark.parametrize("period", [MONTH, YEAR], ids=["monthly", "yearly"])
def test_the_period_of_each_day_is_ocas(start, period):
    for period_start, period_end in oca_periods(start, period, 14 if period == MONTH else 3):
        for day in (period_start, period_start + timedelta(days=1), period_end):
            assert proration.current_period(period_end, start, period, day) == \
                (period_start, period_end), day
        # a day after the invoiced period, or before the line: no period
        assert proration.current_period(period_end, start, period,
                                        period_end + timedelta(days=1)) is None


def test_hand_computed_periods():
    # subscribed on 29 December: the February period starts on 29 January
    # (one month before its end would say 28 January: 31 days instead of 30)
    assert proration.current_period(date(2027, 2, 27), date(2026, 12, 29), MONTH,
                                    date(2027, 2, 10)) == (date(2027, 1, 29), date(2027, 2, 27))
    # 29 February, yearly: 365 days to 27 February 2029
    period = proration.current_period(date(2029, 2, 27), date(2028, 2, 29), YEAR,
                                      date(2028, 12, 31))
    assert period == (date(2028, 2, 29), date(2029, 2, 27))
    # a successor line (plan change on 11 January) keeps its predecessor's
    # boundaries: its first period ends on 31 January, the next is February
    assert proration.current_period(date(2025, 1, 31), date(2025, 1, 11), MONTH,
                                    date(2025, 1, 20)) == (date(2025, 1, 11), date(2025, 1, 31))
    assert proration.current_period(date(2025, 2, 28), date(2025, 1, 11), MONTH,
                                    date(2025, 2, 14)) == (date(2025, 2, 1), date(2025, 2, 28))
    assert proration.current_period(False, date(2025, 1, 1), MONTH, date(2025, 1, 5)) is None


def test_amounts_hand_computed():
    # January: 31 days, 21 left from the 11th: 30*21/31, 60*21/31
    result = proration.amounts(30.0, 60.0, True, (date(2025, 1, 1), date(2025, 1, 31)),
                               date(2025, 1, 11), ROUND)
    assert (result["credit"], result["charge"], result["net"]) == (20.32, 40.65, 20.33)
    assert (result["days"], result["period_days"]) == (21, 31)
    # to another period: the full price of the new plan
    result = proration.amounts(30.0, 300.0, False, (date(2028, 2, 1), date(2028, 2, 29)),
                               date(2028, 2, 29), ROUND)
    assert (result["credit"], result["charge"], result["days"], result["period_days"]) == \
        (1.03, 300.0, 1, 29)


@pytest.mark.parametrize("day", EDGE_DATES)
def test_a_change_on_each_day_credits_what_is_left(day):
    start, end = oca_periods(day, MONTH, 1)[0]
    days = (end - start).days + 1
    for offset in range(days):
        change = start + timedelta(days=offset)
        result = proration.amounts(30.0, 30.0, True, (start, end), change, ROUND)
        assert result["days"] == days - offset
        assert result["credit"] == result["charge"] == ROUND(30.0 * (days - offset) / days)
    assert proration.amounts(30.0, 60.0, True, (start, end), start, ROUND)["credit"] == 30.0


@pytest.mark.parametrize("today", EDGE_DATES)
def test_billing_starts_after_the_trial(today):
    assert trial.billing_start(today, None, 14, not_active_yet=True) == today + timedelta(days=15)
    assert trial.billing_start(today, None, 14, not_active_yet=False) == today
    assert trial.billing_start(today, today, 14) == today + timedelta(days=1)
    assert trial.billing_start(today, today - timedelta(days=1), 14) == today
    assert trial.trial_end(today, 0) is None
    assert trial.billing_start(date(2028, 2, 15), None, 14, True) == date(2028, 3, 1)
    assert trial.trial_end(date(2026, 12, 31), 1) == date(2027, 1, 1)


def test_dunning_steps_and_grace():
    assert dunning.parse_steps(" 7,1, x,7,14 ") == [1, 7, 14]
    assert dunning.parse_steps("") == []
    day = date(2028, 3, 1)
    rows = [(1, 10, date(2028, 2, 29)),   # 1 day late: step 1
            (1, 11, date(2028, 2, 20)),   # 10 days: step 7
            (2, 12, date(2028, 2, 14)),   # 16 days: past a grace of 14
            (3, 13, date(2028, 3, 1))]    # due today: not late
    past_grace, remind = dunning.classify(rows, day, 14, [1, 7, 30])
    assert past_grace == {2: {12}}
    assert remind == {10: 1, 11: 7}
    # a grace of 0 means no grace: every late invoice suspends, none is reminded
    past_grace, remind = dunning.classify(rows, day, 0, [1, 7])
    assert (past_grace, remind) == ({1: {10, 11}, 2: {12}}, {})


@pytest.mark.parametrize("day", EDGE_DATES)
@pytest.mark.parametrize("same_period", [True, False], ids=["same period", "other period"])
def test_the_successor_line_continues_the_chain(day, same_period):
    """A change ten days into a period: the old line stops the day before,
    and OCA's chain of the successor (from its last invoiced day) gives the
    period its first invoice bills."""
    start, end = oca_periods(day, MONTH, 1)[0]
    change = start + timedelta(days=10)
    dates = proration.successor_dates((start, end), same_period, change)
    assert dates["stop"] == dates["old_last_invoiced"] == change - timedelta(days=1)
    # the old line's credited part and the new line meet without a gap
    assert proration.current_period(dates["old_last_invoiced"], start, MONTH,
                                    dates["stop"]) is not None
    if same_period:
        # the charge covers the rest of the period: the first invoice is the next one
        assert dates["new_last_invoiced"] == end
        assert dates["next_date"] == end + timedelta(days=1)
        assert proration.current_period(end, change, MONTH, change) == (change, end)
    else:
        # a period of its own from the change, invoiced at once
        assert dates["new_last_invoiced"] is None
        assert dates["next_date"] == change


def test_a_change_outside_an_invoiced_period_just_moves_on():
    dates = proration.successor_dates(None, True, date(2028, 2, 29))
    assert dates == {"stop": date(2028, 2, 28), "old_last_invoiced": None,
                     "next_date": date(2028, 2, 29), "new_last_invoiced": None}


def test_usage_excess_names_only_what_is_over():
    assert proration.usage_excess(5, 900.0, 5, 1000) == {}
    assert proration.usage_excess(8, 1500.5, 5, 1000) == {"users": 3, "storage_mb": 500.5}
    # a limit of 0 is no limit
    assert proration.usage_excess(80, 1e6, 0, 0) == {}
    assert proration.usage_excess(6, 10.0, 5, 0) == {"users": 1}


@pytest.mark.parametrize("trial_end", EDGE_DATES)
def test_each_trial_reminder_is_sent_once(trial_end):
    """The daily cron over the last 10 days of a trial (and a day it did
    not run): each configured step is sent once, in order."""
    sent, last = [], 0
    for back in range(10, -2, -1):
        day = trial_end - timedelta(days=back)
        if back == 3:
            continue  # the cron did not run that day: the next run catches up
        step = trial.reminder_step(trial_end, day, [1, 3, 7], last)
        if step:
            sent.append((back, step))
            last = step
    assert sent == [(7, 7), (2, 3), (1, 1)]
    assert trial.reminder_step(trial_end, trial_end - timedelta(days=20), [1, 3, 7], 0) == 0


def test_service_end():
    day = date(2028, 2, 29)
    # unsubscribed (or cancelled) during a trial: the trial's last day
    assert trial.service_end(day) == day
    assert trial.service_end(day, line_start=day + timedelta(days=1)) == day
    # a cancelled line without a trial: the day before it would have started
    assert trial.service_end(None, line_start=date(2028, 3, 1)) == day
    assert trial.service_end(None) is None
    # running: the end of a line cancelled at period end, or none
    assert trial.service_end(day, line_start=date(2028, 1, 1), line_running=True) is None
    assert trial.service_end(None, date(2028, 1, 1), date(2028, 1, 31), True) == \
        date(2028, 1, 31)
