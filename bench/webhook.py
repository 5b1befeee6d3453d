#!/usr/bin/env python3
"""Benchmark: 1,000 webhook events while the receiver is down, then up.

Run with Odoo's venv:  ./dev python bench/webhook.py [-n 1000] [--down 20] [--keep]

Creates a master database of its own (<prefix>webhook_bench, `odoo -i
saas_webhook`, no demo data; prefix $SAAS_TEST_PREFIX, default bench_), starts
the real Odoo server with its queue_job runner (channel root.saas_webhook:2),
and a receiver on loopback (a thread of this process) that answers 503 for
``--down`` seconds, then 200.  An `odoo shell` emits N events through the one
door (`saas.webhook.event._emit`), committed in batches of 50 while the
receiver is down.  Backoff is shortened for the run (base 1 s, cap 4 s;
production: 30 s, 6 h).

Prints: events emitted / received (unique webhook-id) / lost, duplicates
received (same id twice: at-least-once) and left after dedupe, signatures
checked with the standardwebhooks library, the distribution of
receiver-up -> delivered and emit -> delivered times, the delivery
throughput once up, and beside it the floor: the same N signed POSTs sent by
a bare `requests` loop to the same receiver.
"""
import argparse
import json
from datetime import datetime, timezone
import os
import subprocess
import sys
import time
from pathlib import Path

import requests
from standardwebhooks.webhooks import Webhook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "saas_webhook" / "tests"))
from odoo_server import OdooServer, devtool  # noqa: E402
from receiver import Receiver  # noqa: E402

PREFIX = os.environ.get("SAAS_TEST_PREFIX", "bench_")
DB = PREFIX + "webhook_bench"

EMIT = r'''
import time
Event = env["saas.webhook.event"]
for start in range(0, {n}, 50):
    for seq in range(start, min(start + 50, {n})):
        Event._emit("backup.failed", None, {{"seq": seq, "emitted_at": time.time()}})
    env.cr.commit()
'''


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--down", type=float, default=20.0, help="seconds the receiver is down")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    srv = OdooServer(DB, channels="root:4,root.saas_webhook:2")
    took = srv.install("saas_webhook")
    if took:
        print(f"database {DB} installed in {took:.1f} s")
    srv.start()
    receiver = Receiver().__enter__()
    try:
        rpc = srv.rpc()
        for key, value in (("allow_private_urls", "1"), ("retry_base_seconds", "1"),
                           ("retry_cap_seconds", "4")):
            rpc("ir.config_parameter", "set_param", f"saas_webhook.{key}", value)
        old = rpc("saas.webhook.endpoint", "search", [])
        if old:
            rpc("saas.webhook.endpoint", "write", old, {"active": False})
        endpoint_id = rpc("saas.webhook.endpoint", "create",
                          {"name": "bench", "url": receiver.url})
        secret = rpc("saas.webhook.endpoint", "read", [endpoint_id], ["secret"])[0]["secret"]

        receiver.down = True
        t_emit = time.time()
        subprocess.run([devtool.python(), devtool.odoo_launcher(), "shell", "-c",
                        str(srv.conf), "-d", DB, "--no-http", "--log-level=warn"],
                       input=EMIT.format(n=args.n), text=True, check=True)
        emit_s = time.time() - t_emit
        print(f"emitted {args.n} events in {emit_s:.1f} s (outbox rows + deliveries + jobs)")
        time.sleep(max(0.0, args.down - emit_s))
        t_up = time.time()
        receiver.down = False
        failed_while_down = len(receiver.requests)

        deadline = time.time() + args.timeout
        while time.time() < deadline:
            pending = rpc("saas.webhook.delivery", "search_count",
                          [("endpoint_id", "=", endpoint_id), ("state", "=", "pending")])
            if not pending:
                break
            time.sleep(0.5)
        t_done = time.time()
        emitted = rpc("saas.webhook.event", "search_read",
                      [("delivery_ids.endpoint_id", "=", endpoint_id)], ["message_id"])
        emitted_ids = {e["message_id"] for e in emitted}
        ok = [r for r in receiver.requests if r["status"] == 200]
        first_ok = {}
        for request in ok:
            first_ok.setdefault(request["headers"]["webhook-id"], request)
        lost = emitted_ids - set(first_ok)
        verified = sum(1 for r in first_ok.values()
                       if Webhook(secret).verify(r["body"], r["headers"]))
        seqs = [json.loads(r["body"])["data"]["seq"] for r in sorted(ok, key=lambda r: r["time"])]
        in_order = all(a < b for a, b in zip(seqs, seqs[1:]))
        after_up = [r["time"] - t_up for r in first_ok.values()]
        end_to_end = [r["time"] - json.loads(r["body"])["data"]["emitted_at"]
                      for r in first_ok.values()]
        failed = rpc("saas.webhook.delivery", "search_count",
                     [("endpoint_id", "=", endpoint_id), ("state", "=", "failed")])

        # floor: the same messages, signed, POSTed by a bare loop
        session = requests.Session()
        bodies = [(r["headers"]["webhook-id"], r["body"]) for r in first_ok.values()]
        t0 = time.time()
        for msg_id, body in bodies:
            headers = {"webhook-id": msg_id, "webhook-timestamp": str(int(time.time())),
                       "content-type": "application/json"}
            headers["webhook-signature"] = Webhook(secret).sign(
                msg_id, datetime.now(tz=timezone.utc), body.decode())
            session.post(receiver.url, data=body, headers=headers, timeout=10)
        floor_s = time.time() - t0

        span = max(after_up) if after_up else float("nan")
        first = min(after_up) if after_up else float("nan")
        print(f"receiver down {args.down:.0f} s: {failed_while_down} refused attempts "
              f"(503) while down")
        print(f"events emitted {len(emitted_ids)} | received {len(first_ok)} unique | "
              f"lost {len(lost)} | failed deliveries {failed}")
        print(f"duplicates received {len(ok) - len(first_ok)} | after dedupe on webhook-id 0 | "
              f"in emit order: {in_order}")
        print(f"signatures verified with standardwebhooks: {verified}/{len(first_ok)}")
        if after_up:
            print(f"receiver up -> delivered (s): first {first:.2f}, p50 "
                  f"{pct(after_up, 50):.2f}, p90 {pct(after_up, 90):.2f}, "
                  f"p99 {pct(after_up, 99):.2f}, last {span:.2f}")
            print(f"emit -> delivered (s): p50 {pct(end_to_end, 50):.2f}, p90 "
                  f"{pct(end_to_end, 90):.2f}, max {max(end_to_end):.2f}")
            rate = len(first_ok) / max(span - first, 1e-6)
            print(f"throughput once up: {rate:.0f} deliveries/s ({span - first:.1f} s for "
                  f"{len(first_ok)}; each committed with its log row)   |   floor, bare "
                  f"requests loop: {len(bodies) / floor_s:.0f} POST/s ({floor_s:.1f} s)")
        print(f"all done {t_done - t_up:.1f} s after the receiver came up")
    finally:
        receiver.__exit__()
        srv.stop()
        if not args.keep:
            subprocess.run([devtool.python(), devtool.odoo_launcher(), "db", "-c",
                            str(srv.conf), "drop", DB], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
