"""Test helpers shared with the bridges (saas_webhook_payment, ...)."""
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs


def enter_job_cursor_mode(cls):
    """The drain job commits (allow_commit): queue_job runs it on a cursor
    of its own, which must be the test's one.  Call from setUpClass."""
    cls.registry.enter_test_mode(cls.cr)
    cls.addClassCleanup(cls.registry.leave_test_mode)


def run_drain(endpoints, action=None):
    """Queue the endpoints' drain jobs (or run ``action``, which queues
    them) and perform them as the job runner would.  True when a job asked
    to be retried later (RetryableJobError)."""
    env = endpoints.env
    with trap_jobs() as trap:
        if action:
            action()
        else:
            endpoints._enqueue_drain()
        env.flush_all()
        try:
            trap.perform_enqueued_jobs()
        except RetryableJobError:
            return True
        finally:
            env.invalidate_all()
    return False
