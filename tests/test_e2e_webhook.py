"""End to end: the real Odoo server with its job runner delivers webhooks,
and a worker killed in the middle of a delivery loses nothing.

The receiver (a thread of this process, on a free loopback port) holds the
first request open; the server is killed with SIGKILL while its drain job is
`started` and waiting for the answer.  After a restart, queue_job's runner
requeues the dead job and the event arrives again with the same webhook-id,
its signature verified with the standardwebhooks library; the event after
it follows, in order.
"""
import json
import os
import signal
import sys
import time
from pathlib import Path

import psycopg2
import pytest
from standardwebhooks.webhooks import Webhook

from odoo_server import OdooServer, devtool, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "saas_webhook" / "tests"))
from receiver import Receiver  # noqa: E402

PREFIX = os.environ.get("SAAS_TEST_PREFIX", "saas_test_")


@pytest.fixture(scope="module")
def wh_server(master_base):
    srv = OdooServer(PREFIX + "e2e_webhook", channels="root:2,root.saas_webhook:1")
    srv.install("saas_webhook", base=master_base)
    srv.start()
    yield srv
    srv.stop()


def job_state(srv, identity):
    conn = psycopg2.connect(host="127.0.0.1", port=devtool.PG_PORT, user=devtool.PG_USER,
                            password=devtool.PG_PASSWORD, dbname=srv.db)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT state FROM queue_job WHERE identity_key = %s ORDER BY id",
                       [identity])
            return [row[0] for row in cr.fetchall()]
    finally:
        conn.close()


def test_worker_killed_mid_delivery_loses_nothing(wh_server):
    srv = wh_server
    with Receiver() as receiver:
        rpc = srv.rpc()
        rpc("ir.config_parameter", "set_param", "saas_webhook.allow_private_urls", "1")
        endpoint_id = rpc("saas.webhook.endpoint", "create", {
            "name": "e2e", "url": receiver.url})
        secret = rpc("saas.webhook.endpoint", "read", [endpoint_id], ["secret"])[0]["secret"]
        partner = rpc("res.partner", "create", {"name": "E2E webhook customer"})

        receiver.hang = 8.0  # the first request is answered after the kill
        first = rpc("saas.instance", "create", {
            "name": "Webhook One", "subdomain": "e2e-wh-one", "partner_id": partner})
        assert wait_for(lambda: receiver.in_flight, 60), "the drain job never called the receiver"
        assert job_state(srv, f"saas_webhook_drain_{endpoint_id}")[-1] == "started"
        os.kill(srv.proc.pid, signal.SIGKILL)
        srv.proc.wait()
        srv.log_file.close()
        killed_at = time.time()
        receiver.hang = 0.0
        wait_for(lambda: len(receiver.requests) == 1, 15)

        # queue_job requeues a `started` job without lock once it is 10 s old
        time.sleep(max(0.0, 11 - (time.time() - killed_at)))
        srv.start()
        rpc = srv.rpc()
        second = rpc("saas.instance", "create", {
            "name": "Webhook Two", "subdomain": "e2e-wh-two", "partner_id": partner})

        def delivered():
            states = rpc("saas.webhook.delivery", "search_read",
                         [("endpoint_id", "=", endpoint_id)], ["state"])
            return len(states) == 2 and all(s["state"] == "done" for s in states)
        assert wait_for(delivered, 150, interval=1), rpc(
            "saas.webhook.delivery", "search_read", [("endpoint_id", "=", endpoint_id)],
            ["state", "attempt_count", "last_error"])

    events = rpc("saas.webhook.event", "search_read",
                 [("instance_id", "in", [first, second])], ["message_id", "instance_id"],
                 order="id")
    first_id, second_id = events[0]["message_id"], events[1]["message_id"]
    ids = receiver.ids(200)
    assert ids.count(first_id) == 2, "received before the kill, and again after it"
    assert ids.count(second_id) == 1
    assert ids.index(second_id) > ids.index(first_id), "in event order"
    for request in receiver.requests:
        payload = Webhook(secret).verify(request["body"], request["headers"])
        assert payload["type"] == "instance.created"
    assert {json.loads(r["body"])["data"]["subdomain"] for r in receiver.requests} == \
        {"e2e-wh-one", "e2e-wh-two"}

