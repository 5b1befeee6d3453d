"""Billing rules in plain Python (no Odoo): the period and amounts of a
plan change, the start of billing after a trial, dunning steps.  The models
call them with values read from records; tests call them at any date."""
