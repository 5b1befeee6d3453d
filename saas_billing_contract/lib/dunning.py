"""Dunning: which overdue invoices get a reminder step, and which
instances are past the grace period."""


def parse_steps(text):
    """"1, 7,14" -> [1, 7, 14] (sorted, unique; junk ignored)."""
    return sorted({int(part.strip()) for part in (text or "").split(",")
                   if part.strip().isdigit()})


def classify(rows, day, grace_days, steps):
    """From ``rows`` (instance id, invoice id, due date) of invoices unpaid
    on ``day``: ({instance: {invoices past grace}}, {invoice: reminder step}).
    An invoice ``grace_days`` late or less gets the highest step it
    reached (steps beyond the grace are never reached)."""
    steps = [step for step in steps if step <= grace_days]
    past_grace, remind = {}, {}
    for instance_id, move_id, due in rows:
        late = (day - due).days
        if late > grace_days:
            past_grace.setdefault(instance_id, set()).add(move_id)
        else:
            step = max((s for s in steps if s <= late), default=0)
            if step:
                remind[move_id] = step
    return past_grace, remind
