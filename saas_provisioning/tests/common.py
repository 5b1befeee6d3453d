"""Test helpers for addons that need real tenants (billing, SSO, portal...).

A template build (`odoo -i` + asset bundles) costs one to two minutes here,
so test classes share one ready template database per module list:
``<template prefix>shared_<modules>``, built through the real build job by
the first class that needs it and reused by the next ones.  The test runner
drops every test database before and after a run, so CI always builds it
afresh; on a developer's database it survives between runs (drop it after
changing saas_tenant).
"""
import re

import psycopg2


from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.saas_base.tests.common import (  # noqa: F401  (the builders, re-exported)
    create_customer,
    create_instance,
    create_plan,
    create_template,
    create_test_server,
)
from odoo.addons.saas_router.routing import template_db_prefix


def run_jobs(trap, rounds=10):
    """Perform trapped jobs, and the jobs they queue, until none is left.

    A job allowed to commit (the provisioning pipeline) runs on a cursor of
    its own, as in production (a test cursor: its commits are savepoints):
    the test's pending writes are flushed for it to see them, the jobs it
    queues are given back the test's environment (its cursor is closed by
    then), and the test's cache is dropped afterwards to see its work."""
    test_env = None
    for _round in range(rounds):
        if not trap.enqueued_jobs:
            return
        for job in trap.enqueued_jobs:
            if test_env is None:
                test_env = job.env
            elif job.env.cr is not test_env.cr:
                job.recordset = job.recordset.with_env(test_env(context=job.env.context))
        test_env.flush_all()
        try:
            trap.perform_enqueued_jobs()
        finally:
            test_env.invalidate_all()


def ready_template(env, server, modules="base,web", name=None):
    """A saas.template in state ready, on the shared database for ``modules``."""
    shared = template_db_prefix() + "shared_" + re.sub(r"[^a-z0-9]+", "_", modules)
    template = create_template(env, server, name=name or f"Shared {modules}", module_list=modules)
    pg, files = server._pg_admin(), server._filestore()
    if not pg.exists(shared):
        with trap_jobs() as trap:
            template.action_build()
            run_jobs(trap)
        assert template.state == "ready", template.message_ids[:1].body
        pg.rename(template.database_name, shared)
        files.remove(shared)  # left by a database dropped without its files
        files.rename(template.database_name, shared)
    template.write({"database_name": shared, "state": "ready"})
    return template


def provision(instance, password=None):
    """Run the whole provisioning pipeline of ``instance`` inline."""
    with trap_jobs() as trap:
        instance.request_provisioning(password)
        run_jobs(trap)
    assert instance.state == "active", instance.log_ids.mapped("message")
    return instance


def master_sql(server, query, args=None, dbname="postgres"):
    """Rows of ``query`` run as the master's role on ``server`` (a session of
    its own, closed after)."""
    conn = psycopg2.connect(**server._connection_params(dbname))
    try:
        with conn.cursor() as cr:
            cr.execute(query, args)
            return cr.fetchall()
    finally:
        conn.close()
