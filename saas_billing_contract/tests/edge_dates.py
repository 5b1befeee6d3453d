"""The days on which date arithmetic goes wrong, if it does: a month's last
day before a shorter month, 29 February, the year's end.  Tests of
date-dependent rules run at each of them (besides today), under a fixed
clock; plain Python (no Odoo) so that tests/ can load it too."""
from datetime import date

EDGE_DATES = (date(2027, 1, 31), date(2028, 2, 29), date(2026, 12, 31), date(2027, 3, 31))
