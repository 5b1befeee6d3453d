#!/usr/bin/env python3
"""Benchmark: invoicing 1,000 contracts beside Odoo's bare floor, and the dunning sweep.

Run with Odoo's venv:  ./dev python bench/billing.py [-n 1000] [--overdue 0.1] [--keep]
                       [--sample 20] [--prefix saas_bench_billing_] [--port 8275]

Creates a master database of its own (`<prefix>master`, `odoo -i
saas_billing_contract`, no demo data), then, inside `odoo shell` (one
transaction, rolled back at the end):
  * N customers, N active instances on a monthly plan, `_subscribe()` each
    (N contracts, one line each);
  * FLOOR: Odoo alone creating the same N customer invoices (one line, the
    plan's product and price, same partners) in one batched `create`, then
    one `action_post` -- rolled back to a savepoint afterwards;
  * OURS: OCA's cron `cron_recurring_create_invoice()` for the period start
    -> N invoices created and posted, one "charge and mail" job queued per
    invoice (the mailing and the payment requests are jobs: they do not hold
    the invoicing transaction).  Target: within 1.5x of the floor;
  * SETTLE (optional, `--sample`): that many of those jobs run inline --
    work the job runner does after the invoicing transaction;
  * DUNNING: all invoices but `overdue` x N are marked paid (by SQL, setup
    only), then `_cron_billing_dunning()` 20 days after the due date (grace
    14) suspends the overdue ones, and a second pass shows it has nothing
    more to do.
The tenants are not real databases: in the bench only, the suspend hook's
write into the tenant (`instance._tenant_db().write_settings`) is replaced by
a no-op, so the figures measure the master's side.  Prints the figures;
asserts nothing.
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import bench_shell  # noqa: E402

SCRIPT = r'''
import time
from datetime import date, timedelta
N = {n}
OVERDUE = {overdue}
SAMPLE = {sample}
PROFILE = {profile}
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
product = plan.product_id
journal = env["account.journal"].search([("type", "=", "sale"),
                                         ("company_id", "=", env.company.id)], limit=1)
env.cr.execute("SAVEPOINT bench_floor")
t0 = time.perf_counter()
floor_moves = Move.create([{{
    "move_type": "out_invoice", "partner_id": p.id, "invoice_date": start,
    "journal_id": journal.id,
    "invoice_line_ids": [(0, 0, {{"product_id": product.id, "quantity": 1,
                                 "price_unit": 30.0, "name": f"Bench floor {{i}}"}})],
}} for i, p in enumerate(partners)])
env.flush_all()
t_floor_create = time.perf_counter() - t0
floor_moves.action_post()
env.flush_all()
t_floor = time.perf_counter() - t0
floor_posted = len(floor_moves.filtered(lambda m: m.state == "posted"))
env.cr.execute("ROLLBACK TO SAVEPOINT bench_floor")
env.invalidate_all()
env.registry.clear_cache()
print(f"FLOOR (Odoo alone): {{floor_posted}} invoices created {{t_floor_create:.2f}} s + posted "
      f"{{t_floor - t_floor_create:.2f}} s = {{t_floor:.2f}} s")

jobs_before = env["queue.job"].search_count([])
mails_before = env["mail.mail"].search_count([])
t0 = time.perf_counter()
if PROFILE:
    import cProfile, pstats
    profiler = cProfile.Profile()
    profiler.enable()
env["contract.contract"].cron_recurring_create_invoice(date_ref=start)
env.flush_all()
t_invoice = time.perf_counter() - t0
if PROFILE:
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
invoices = Move.search([("line_ids.saas_instance_id", "in", instances.ids)])
posted = invoices.filtered(lambda m: m.state == "posted")
jobs = env["queue.job"].search_count([]) - jobs_before
mails = env["mail.mail"].search_count([]) - mails_before
print(f"INVOICING (our cron): {{len(invoices)}} invoices ({{len(posted)}} posted, {{jobs}} charge+mail "
      f"jobs queued, {{mails}} mails inside the transaction) from {{N}} contracts in "
      f"{{t_invoice:.2f}} s = {{t_invoice / t_floor:.2f}} x the floor {{t_floor:.2f}} s "
      f"(target <= 1.5 x)")

sample = posted[:SAMPLE]
if sample:
    t0 = time.perf_counter()
    sample._saas_job_settle()
    env.flush_all()
    t_settle = time.perf_counter() - t0
    print(f"SETTLE jobs (after the invoicing, by the job runner): {{len(sample)}} invoices "
          f"(PDF rendered, mail queued) in {{t_settle:.2f}} s = {{t_settle / len(sample):.3f}} s each "
          f"-> {{N}} at ~{{t_settle / len(sample) * N / 2:.0f}} s on 2 job channels")

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--overdue", type=float, default=0.1)
    parser.add_argument("--sample", type=int, default=0,
                        help="settle jobs (charge + PDF + mail) run inline to measure them; "
                        "the PDF needs a running HTTP server at web.base.url (wkhtmltopdf "
                        "fetches the assets), which `odoo shell` is not")
    parser.add_argument("--prefix", default="saas_bench_billing_")
    parser.add_argument("--port", type=int, default=8275)
    parser.add_argument("--keep", action="store_true", help="keep the master database")
    parser.add_argument("--profile", action="store_true", help="cProfile our invoicing cron")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    bench_shell.run_in_shell(args.prefix, args.port, ["saas_billing_contract"],
                             SCRIPT.format(n=args.n, overdue=args.overdue, sample=args.sample,
                                           profile=args.profile),
                             "bench_billing.conf", keep=args.keep)


if __name__ == "__main__":
    main()
