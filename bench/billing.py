#!/usr/bin/env python3
"""Benchmark: invoicing 1,000 contracts and the dunning sweep over 1,000 tenants.

Run with Odoo's venv:  ./dev python bench/billing.py [-n 1000] [--overdue 0.1] [--keep]

Creates a master database of its own (h5_bench, `odoo -i saas_billing_contract`,
no demo data), then, inside `odoo shell` (one transaction, rolled back):
  * N customers, N active instances on a monthly plan, `_subscribe()` each
    (N contracts, one line each);
  * invoicing: OCA's cron `cron_recurring_create_invoice()` for the period
    start -> N invoices created, posted and their mails queued (target <= 60 s);
  * dunning: all invoices but `overdue` x N are marked paid (by SQL, setup
    only), then `_cron_billing_dunning()` 20 days after the due date (grace
    14) suspends the overdue ones (target <= 10 s), and a second pass shows
    it has nothing more to do.
The tenants are not real databases: in the bench only, the suspend hook's
write into the tenant (`instance._tenant_db().write_settings`) is replaced by
a no-op, so the figures measure the master's side (query, state machine,
chatter, operation log).  Prints the figures; asserts nothing.
"""
import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / ".run" / "odoo.conf"
DB = "h5_bench"

SCRIPT = r'''
import time
from datetime import date, timedelta
N = {n}
OVERDUE = {overdue}
# the cron runs on the day it invoices: due dates are computed from today
start = date.today()
env.company.email = "billing@bench.test"


class _NullTenant:
    def write_settings(self, values):
        return None


# bench only: no real tenant databases behind these 1,000 instances
env.registry["saas.instance"]._tenant_db = lambda self: _NullTenant()

t0 = time.perf_counter()
server = env["saas.server"].create({{"name": "bench", "host": "127.0.0.1", "port": 5432,
                                     "db_user": "x", "max_instances": N + 10}})
plan = env["saas.plan"].create({{"name": "Bench monthly", "price": 30.0, "period": "monthly",
                                "max_users": 5}})
partners = env["res.partner"].create([{{"name": f"Bench customer {{i}}",
                                       "email": f"c{{i}}@bench.test"}} for i in range(N)])
instances = env["saas.instance"]._create_state_machine([{{
    "name": f"Bench {{i}}", "subdomain": f"h5-bench-{{i}}", "partner_id": p.id,
    "plan_id": plan.id, "server_id": server.id, "state": "active"}}
    for i, p in enumerate(partners)])
t_setup = time.perf_counter() - t0
t0 = time.perf_counter()
instances._subscribe(date_start=start)
env.flush_all()
t_subscribe = time.perf_counter() - t0
print(f"setup: {{N}} customers + instances {{t_setup:.2f}} s; _subscribe {{N}} contracts "
      f"{{t_subscribe:.2f}} s")

Move = env["account.move"]
mails_before = env["mail.mail"].search_count([])
t0 = time.perf_counter()
env["contract.contract"].cron_recurring_create_invoice(date_ref=start)
env.flush_all()
t_invoice = time.perf_counter() - t0
invoices = Move.search([("line_ids.saas_instance_id", "in", instances.ids)])
posted = invoices.filtered(lambda m: m.state == "posted")
mails = env["mail.mail"].search_count([]) - mails_before
print(f"INVOICING: {{len(invoices)}} invoices ({{len(posted)}} posted, {{mails}} mails queued) "
      f"from {{N}} contracts in {{t_invoice:.2f}} s  (target <= 60 s)")

overdue_n = int(N * OVERDUE)
overdue_instances = instances[:overdue_n]
paid = invoices.filtered(lambda m: not (m.line_ids.saas_instance_id & overdue_instances))
env.cr.execute("UPDATE account_move SET payment_state = 'paid' WHERE id IN %s",
               (tuple(paid.ids),))
env.invalidate_all()
when = start + timedelta(days=20)
t0 = time.perf_counter()
suspended = env["saas.instance"]._cron_billing_dunning(date=when)
env.flush_all()
t_dunning = time.perf_counter() - t0
states = env["saas.instance"].read_group([("id", "in", instances.ids)], ["state"], ["state"])
print(f"DUNNING: sweep over {{N}} tenants ({{overdue_n}} overdue) suspended "
      f"{{len(suspended)}} in {{t_dunning:.2f}} s  (target <= 10 s); states "
      f"{{ {{g['state']: g['state_count'] for g in states}} }}")
t0 = time.perf_counter()
again = env["saas.instance"]._cron_billing_dunning(date=when)
t_again = time.perf_counter() - t0
print(f"DUNNING again (idempotent): {{len(again)}} suspended in {{t_again:.2f}} s")
env.cr.rollback()
'''


def odoo(*args, command=(), **kwargs):
    return subprocess.run([sys.executable, "-m", "odoo", *command, "-c", str(CONF), "-d", DB,
                           *args], check=True, **kwargs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--overdue", type=float, default=0.1)
    parser.add_argument("--keep", action="store_true", help="keep the database h5_bench")
    args = parser.parse_args()
    exists = subprocess.run(
        [sys.executable, "-c", "import sys, psycopg2, configparser; c = configparser.ConfigParser();"
         f"c.read({str(CONF)!r}); o = c['options'];"
         "conn = psycopg2.connect(host=o.get('db_host'), port=o.get('db_port'),"
         " user=o.get('db_user'), password=o.get('db_password'), dbname='postgres');"
         f"cr = conn.cursor(); cr.execute('SELECT 1 FROM pg_database WHERE datname = %s', ({DB!r},));"
         "sys.exit(0 if cr.fetchone() else 1)"]).returncode == 0
    if not exists:
        t0 = time.perf_counter()
        odoo("-i", "saas_billing_contract", "--without-demo=all", "--stop-after-init",
             "--log-level=warn", "--http-port", "8275")
        print(f"database {DB} installed in {time.perf_counter() - t0:.1f} s")
    try:
        odoo("--no-http", "--log-level=warn", command=("shell",),
             input=SCRIPT.format(n=args.n, overdue=args.overdue), text=True)
    finally:
        if not args.keep:
            subprocess.run([sys.executable, "-m", "odoo", "db", "-c", str(CONF), "drop", DB],
                           check=False, capture_output=True)


if __name__ == "__main__":
    main()
