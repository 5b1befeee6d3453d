#!/usr/bin/env python3
"""Benchmark: the operator overview with 10,000 instances and 100,000 invoices.

Run with Odoo's venv:  ./dev python bench/overview.py [--instances 10000] [--invoices 100000]
                       [--lines 10000] [--prefix saas_bench_overview_] [--keep]

Creates a master database of its own (`<prefix>master`, `odoo -i
saas_backup,saas_billing_contract`: every section of the overview, no demo
data), then inside `odoo shell` fills it fast: one record of each kind made
through the ORM (a server, a plan, an instance, a contract line, a posted
invoice, a backup), then copied by SQL `INSERT ... SELECT` in batches with
the values that vary (state, dates, amounts, durations, health).  It times:
  * OURS: `saas.overview._overview_data(now)`, every section as the client
    action gets it (best of 5, and the first, cold, call);
  * FLOOR: the same figures read by one plain SQL query each (no ORM, no
    layout), summed.
Target: ours <= 1 s.  Prints the figures; asserts nothing.  The database is
dropped at the end (unless --keep).
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import bench_shell  # noqa: E402

SCRIPT = r'''
import time
from datetime import timedelta
from odoo import fields
N_INST, N_INV, N_LINES = {instances}, {invoices}, {lines}
cr = env.cr
now = fields.Datetime.now()
today = now.date()


def clone(table, source_id, count, overrides, batch=20000):
    """Copy row ``source_id`` of ``table`` ``count`` times; ``overrides``:
    {{column: SQL expression of n (1..count)}}."""
    cr.execute("SELECT column_name FROM information_schema.columns"
               " WHERE table_name = %s AND column_name != 'id'", [table])
    cols = [c for (c,) in cr.fetchall()]
    select = ", ".join(overrides.get(c, c) for c in cols)
    for start in range(1, count + 1, batch):
        stop = min(start + batch - 1, count)
        cr.execute(f"INSERT INTO {{table}} ({{', '.join(cols)}}) SELECT {{select}}"
                   f" FROM {{table}}, generate_series({{start}}, {{stop}}) AS n"
                   f" WHERE {{table}}.id = {{source_id}}")


t0 = time.perf_counter()
env["ir.config_parameter"].sudo().set_param("saas_provisioning.pool_size", "2")
servers = env["saas.server"].create([
    {{"name": f"bench-{{i}}", "host": "127.0.0.1", "port": 5433, "db_user": "saas",
      "db_password": "saas", "max_instances": 2500,
      "max_database_mb": 500000, "max_connections": 400}} for i in range(5)])
template = env["saas.template"].create({{"name": "bench", "module_list": "base",
                                        "server_id": servers[0].id}})
template.write({{"state": "ready", "database_name": "bench_tpl"}})
plans = env["saas.plan"].create([{{"name": f"Plan {{i}}", "template_id": template.id,
                                  "price": 10 * (i + 1), "trial_days": 14}} for i in range(3)])
partner = env["res.partner"].create({{"name": "Bench customer", "email": "b@bench.test"}})
first = env["saas.instance"]._create_state_machine([{{
    "name": "bench 0", "subdomain": "bench-0", "partner_id": partner.id,
    "plan_id": plans[0].id, "server_id": servers[0].id, "state": "active"}}])
env.flush_all()
states = "(ARRAY['active','active','active','active','active','suspended','terminated'," \
         "'failed','provisioning','draft'])[1 + n % 10]"
clone("saas_instance", first.id, N_INST - 1, {{
    "name": "'bench ' || n", "subdomain": "'bench-' || n", "state": states,
    "database_name": "'saas_t_bench_' || n",
    "server_id": f"(ARRAY{{servers.ids}})[1 + n % 5]",
    "plan_id": f"(ARRAY{{plans.ids}})[1 + n % 3]",
    "create_date": "now() at time zone 'utc' - (n % 60) * interval '1 day'",
    "trial_end_date": "current_date + (n % 40 - 20)",
    "state_date": "now() at time zone 'utc' - (n % 90) * interval '1 day'",
    "provision_done_at": "now() at time zone 'utc' - (n % 14) * interval '1 day'",
    "provision_requested_at": "now() at time zone 'utc' - (n % 120) * interval '1 minute'",
    "provision_seconds": "5 + (n % 97) * 0.37",
    "backup_health": "(ARRAY['normal','normal','warning','danger','none'])[1 + n % 5]",
    "last_backup_at": "CASE WHEN n % 7 = 0 THEN NULL ELSE now() at time zone 'utc' END",
    "tampered": "n % 997 = 0", "usage_error": "CASE WHEN n % 499 = 0 THEN 'denied' END",
}})
cr.execute("SELECT id FROM saas_instance ORDER BY id")
instance_ids = [i for (i,) in cr.fetchall()]
# contract lines: one ORM-made subscription line, copied
first._subscribe()
env.flush_all()
line = first.contract_line_id
clone("contract_line", line.id, N_LINES - 1, {{
    "saas_instance_id": f"(ARRAY{{instance_ids}})[1 + n % {{N_INST}}]",
    "saas_plan_id": f"(ARRAY{{plans.ids}})[1 + n % 3]",
    "recurring_rule_type": "(ARRAY['monthly','monthly','yearly'])[1 + n % 3]",
    "monthly_recurring": "CASE WHEN n % 3 = 2 THEN 100.0 ELSE 10.0 * (1 + n % 3) END",
    "date_start": "current_date - (n % 400)",
    "date_end": "CASE WHEN n % 11 = 0 THEN current_date - (n % 30) END",
}})
# invoices: one posted invoice, its move copied (the overview reads moves only)
product = plans[0]._billing_product()
move = env["account.move"].create({{
    "move_type": "out_invoice", "partner_id": partner.id, "invoice_date": today,
    "invoice_line_ids": [(0, 0, {{"product_id": product.id, "price_unit": 10, "tax_ids": []}})]}})
move.action_post()
env.flush_all()
clone("account_move", move.id, N_INV - 1, {{
    "name": "'BENCH/' || n", "sequence_number": "n", "payment_reference": "'BENCH/' || n",
    "invoice_date_due": "current_date - (n % 90) + 30",
    "payment_state": "(ARRAY['not_paid','paid','paid','partial'])[1 + n % 4]",
    "amount_residual_signed": "(n % 500)::numeric",
}})
storage = env["saas.backup.storage"].create({{"name": "bench", "kind": "local",
                                             "local_path": "/nonexistent"}})
backup = env["saas.backup"].sudo().create({{
    "instance_id": first.id, "storage_id": storage.id, "kind": "scheduled",
    "database_name": first.database_name, "state": "done", "done_at": now}})
env.flush_all()
clone("saas_backup", backup.id, N_INST - 1, {{
    "instance_id": f"(ARRAY{{instance_ids}})[1 + n % {{N_INST}}]",
    "drill_state": "(ARRAY['none','none','passed','failed'])[1 + n % 4]",
    "drill_date": "now() at time zone 'utc' - (n % 30) * interval '1 day'",
}})
cr.execute("ANALYZE")
env.invalidate_all()
cr.execute("SELECT (SELECT count(*) FROM saas_instance), (SELECT count(*) FROM account_move"
           " WHERE move_type = 'out_invoice'), (SELECT count(*) FROM contract_line),"
           " (SELECT count(*) FROM saas_backup)")
print("filled in %.1f s: %s instances, %s invoices, %s contract lines, %s backups"
      % ((time.perf_counter() - t0,) + cr.fetchone()))

Overview = env["saas.overview"]
times = []
for _round in range(5):
    env.invalidate_all()
    t0 = time.perf_counter()
    data = Overview._overview_data(now)
    times.append(time.perf_counter() - t0)
items = sum(len(s["items"]) for s in data)
company = env.company.id
FLOOR = [
    ("tenants by state", "SELECT state, count(*) FROM saas_instance GROUP BY state"),
    ("trials", "SELECT count(*) FROM saas_instance WHERE state = 'active'"
               " AND trial_end_date >= current_date"),
    ("conversion", "SELECT count(*), count(*) FILTER (WHERE state = 'active') FROM saas_instance"
                   " WHERE trial_end_date >= current_date - 30 AND trial_end_date < current_date"),
    ("churn", "SELECT id FROM saas_instance WHERE (state = 'terminated' AND state_date >="
              " now() - interval '30 days') OR (billing_suspended = 'cancelled'"
              " AND billing_suspend_date >= current_date - 30)"),
    ("sign-ups", "SELECT create_date::date, count(*) FROM saas_instance"
                 " WHERE create_date >= current_date - 30 GROUP BY 1"),
    ("mrr", "SELECT sum(monthly_recurring) FROM contract_line WHERE NOT is_canceled"
            " AND date_start <= current_date AND (date_end IS NULL OR date_end >= current_date)"),
    ("mrr trend", "SELECT d, (SELECT sum(monthly_recurring) FROM contract_line WHERE NOT"
                  " is_canceled AND date_start <= d AND (date_end IS NULL OR date_end >= d))"
                  " FROM generate_series(current_date - 330, current_date, '30 days') d"),
    ("mrr per plan", "SELECT saas_plan_id, sum(monthly_recurring) FROM contract_line"
                     " WHERE NOT is_canceled AND date_start <= current_date AND"
                     " (date_end IS NULL OR date_end >= current_date) GROUP BY 1"),
    ("overdue", "SELECT count(*), sum(amount_residual_signed) FROM account_move WHERE"
                " move_type = 'out_invoice' AND state = 'posted' AND payment_state IN"
                " ('not_paid', 'partial') AND invoice_date_due < current_date"),
    ("servers", "SELECT server_id, count(*) FROM saas_instance WHERE state != 'terminated'"
                " GROUP BY 1"),
    ("provisioning", "SELECT percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY"
                     " provision_seconds) FROM saas_instance WHERE provision_done_at >="
                     " now() - interval '7 days' AND provision_seconds > 0"),
    ("pool", "SELECT state, count(*) FROM saas_pool_database GROUP BY 1"),
    ("care", "SELECT id, state, tampered, usage_error FROM saas_instance WHERE state != "
             "'terminated' AND (state = 'failed' OR tampered OR usage_error IS NOT NULL OR"
             " over_limit_since IS NOT NULL OR maintenance_reason IS NOT NULL OR (state ="
             " 'provisioning' AND provision_requested_at < now() - interval '30 minutes'))"),
    ("backup health", "SELECT backup_health, last_backup_at IS NULL, count(*) FROM saas_instance"
                      " WHERE state IN ('active', 'suspended') GROUP BY 1, 2"),
    ("drills", "SELECT drill_state, count(*) FROM saas_backup WHERE drill_date >="
               " now() - interval '7 days' GROUP BY 1"),
]
floors = []
for _round in range(5):
    t0 = time.perf_counter()
    for _name, query in FLOOR:
        cr.execute(query)
        cr.fetchall()
    floors.append(time.perf_counter() - t0)
figures = {{i["key"]: i["display"] for s in data for i in s["items"] if i["type"] == "figure"}}
print("figures:", figures)
print(f"OURS  overview (%d sections, %d items): best %.3f s, first (cold) %.3f s  (target <= 1 s)"
      % (len(data), items, min(times), times[0]))
print(f"FLOOR the same figures, one plain SQL query each (%d queries): best %.3f s, first %.3f s"
      % (len(FLOOR), min(floors), floors[0]))
print(f"ours / floor: %.1f x" % (min(times) / min(floors)))
env.cr.rollback()
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instances", type=int, default=10000)
    parser.add_argument("--invoices", type=int, default=100000)
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--prefix", default="saas_bench_overview_")
    parser.add_argument("--port", type=int, default=8294)
    parser.add_argument("--keep", action="store_true", help="keep the master database")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    bench_shell.run_in_shell(args.prefix, args.port, ["saas_backup", "saas_billing_contract"],
                             SCRIPT.format(instances=args.instances, invoices=args.invoices,
                                           lines=args.lines),
                             "bench_overview.conf", keep=args.keep)


if __name__ == "__main__":
    main()
