"""The provisioning pipeline, in plain Python (no Odoo): its steps in order,
what each error does at each operation (retry or fail), and what the
reconciler does with an instance that stopped moving.

The steps are idempotent, each logged, ``provision_step`` recording the last
one done.  They run in ONE job (a job hand-off costs about 0.1 s, as much as
a step) that commits a checkpoint after each step: its provision_step and log
line.  A job stopped halfway (worker killed, retry after an error) is run
again, or queued again by the reconciler, and resumes at the step after the
last checkpoint.  The model (models/saas_instance_pipeline.py) runs them.
"""
from datetime import timedelta

import requests

from .adapters.errors import (
    AdapterError,
    DatabaseNotOursError,
    OdooCliError,
    TemplateBusyError,
    TemplateOutdatedError,
)

STEPS = ("clone", "filestore", "customise", "verify")
# provision_step before the first step: nothing done yet
RESERVED = "reserved"
# a warm clone from the pool: cloned, its files copied
POOLED_STEP = "filestore"

DEFAULT_CHANNEL = "root.saas"
# Clones are capped on their own channel (CREATE DATABASE copies files).
PROVISION_CHANNEL = "root.saas_clone"
# No progress for this long and no live job: the reconciler takes over.
STALE_AFTER = timedelta(minutes=2)
VERIFY_TIMEOUT = 60
# Seconds between a request taking a warm clone and the refill making the next.
POOL_REFILL_DELAY = 10
LIVE_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")

# -- retry or fail -----------------------------------------------------------------
RETRY, FAIL = "retry", "failed"
# Per operation, in order (the first class that matches decides): the
# outcome and, for a retry, the seconds before it.  An error that matches
# none is not ours to judge: it propagates (queue_job fails the job).
OUTCOMES = {
    # every provisioning step alike
    "provision": (
        # never worth a retry: a person must look at that database
        ((DatabaseNotOursError, TemplateOutdatedError), FAIL, None),
        # a template is busy while another session is connected to it
        ((TemplateBusyError,), RETRY, 1),
        # server unreachable, tenant not answering yet...
        ((AdapterError, requests.RequestException, OdooCliError), RETRY, 5),
    ),
    "terminate": (
        ((AdapterError,), RETRY, 10),
    ),
    # a module update is not retried: logged failed, told in the chatter
    "update": (
        ((OdooCliError, AdapterError), FAIL, None),
    ),
}


def outcome(operation, exc):
    """(RETRY, seconds) or (FAIL, None) for ``exc`` raised during
    ``operation``; None when it is not an error the table knows."""
    for classes, result, seconds in OUTCOMES[operation]:
        if isinstance(exc, classes):
            return result, seconds
    return None


# -- steps ----------------------------------------------------------------------------
def next_step(done):
    """The step after ``done`` (the last step completed: False/None or
    RESERVED before the first); None when the pipeline is finished."""
    if done in (False, None, RESERVED):
        return STEPS[0]
    index = STEPS.index(done) + 1
    return STEPS[index] if index < len(STEPS) else None


def channel(step):
    """The job channel of a pipeline whose next step is ``step``: a clone
    copies files (capped on its own channel); a tenant past it (warm pool,
    resumed) goes on the general one."""
    return PROVISION_CHANNEL if step == "clone" else DEFAULT_CHANNEL


# -- the reconciler -------------------------------------------------------------------
SKIP, FAIL_STUCK, RESUME, FINISH = "skip", "fail", "resume", "finish"


def reconcile(job_state, done):
    """What the reconciler does with an instance stuck in provisioning whose
    job is in ``job_state`` (None: no job found) and whose last step done is
    ``done``: SKIP (its job is alive), FAIL_STUCK (its job exhausted its
    retries), RESUME (queue the steps left) or FINISH (every step is done)."""
    if job_state in LIVE_JOB_STATES:
        return SKIP
    if job_state == "failed":
        return FAIL_STUCK
    return RESUME if next_step(done) else FINISH
