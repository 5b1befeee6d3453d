"""Billing rules in plain Python (no Odoo): the period and amounts of a
plan change and how its contract line is replaced, the trial (start of
billing, its end, reminders, end of service), dunning steps.  The models
call them with values read from records; tests call them at any date."""
