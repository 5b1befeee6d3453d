import logging

from odoo import models
from odoo.exceptions import UserError

from ..adapters.errors import AdapterError
from ..tools import isolation

_logger = logging.getLogger(__name__)


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    def _each_isolated(self, operation, step, work, on_failure=None):
        """THE door for a loop over instances (a cron, a push to every
        tenant): ``work(instance)`` for each instance of ``self``, each in a
        savepoint of the current transaction.  When one raises, what it did
        in this transaction is rolled back, the error is logged on it
        (``saas.instance.log``: ``operation``, ``step``, failed, the message)
        and in the server log, ``on_failure(instance, message)`` is called if
        given, and the loop goes on: a tenant that makes its own operation
        fail (it can: it runs SQL in its database) stops nobody else.
        Errors meaning this transaction itself is lost (serialization
        failure, connection gone: ``tools/isolation.must_propagate``) are
        raised, ending the run as they would without the door.

        Work done outside this transaction (a tenant setting written over its
        own connection) is not undone: each instance's work must be
        idempotent, as every step of ours is, and is retried by the next run.

        Returns ``(done, failed)``: the instances whose ``work`` returned a
        true value, and those that raised."""

        def failure(instance, exc, started):
            message = isolation.describe(exc)
            _logger.warning("%s (%s) failed for %s: %s", operation, step,
                            instance.database_name or instance.display_name, message,
                            exc_info=not isinstance(exc, (AdapterError, UserError)))
            instance._log(operation, step, "failed", started, message)
            if on_failure:
                on_failure(instance, message)

        outcomes = isolation.run_each(self, work, self.env.cr.savepoint, failure)
        done = self.browse([o.item.id for o in outcomes if o.ok and o.result])
        failed = self.browse([o.item.id for o in outcomes if not o.ok])
        return done, failed
