import contextlib
import datetime

from odoo import SUPERUSER_ID, api, fields, models

# an exemption whose job died without removing it lapses after this long
EXEMPTION_HOURS = 12


class SaasWatchdogExemption(models.Model):
    """A job of the master running as a tenant's role (pg_dump, a restore,
    ``odoo -u``): the watchdog leaves the sessions of that role opened since
    ``since`` alone until ``until``.  Written only by the master's code, in
    the master's database, which no tenant's role may connect to: a tenant
    cannot forge one (``application_name`` and the like it can)."""

    _name = "saas.watchdog.exemption"
    _description = "SaaS Watchdog Exemption"
    _order = "id"

    role = fields.Char(required=True, index=True, readonly=True)
    since = fields.Datetime(required=True, readonly=True)
    until = fields.Datetime(required=True, readonly=True)
    reason = fields.Char(readonly=True)

    @api.model
    @contextlib.contextmanager
    def _exempting(self, role, reason=None, hours=EXEMPTION_HOURS):
        """``with env["saas.watchdog.exemption"]._exempting(role):`` around a
        job of the master as ``role``.  The row is written and removed in
        transactions of their own, committed at once: the watchdog's cron
        runs in another transaction, and must see it while the job's own
        transaction is still open.  As the superuser: the caller's user may
        not be committed yet (a test's)."""
        now = fields.Datetime.now()
        with self.env.registry.cursor() as cr:
            row = self._as_root(cr).create({
                "role": role, "since": now, "reason": reason,
                "until": now + datetime.timedelta(hours=hours)})
            row_id = row.id
        try:
            yield
        finally:
            with self.env.registry.cursor() as cr:
                self._as_root(cr).browse(row_id).exists().unlink()

    def _as_root(self, cr):
        return self.env(cr=cr, user=SUPERUSER_ID, su=True)[self._name]

    @api.model
    def _current(self):
        """{role: since} of the exemptions in force (the earliest per role)."""
        now = fields.Datetime.now()
        current = {}
        for row in self.sudo().search([("until", ">", now)], order="since"):
            current.setdefault(row.role, row.since)
        return current

    @api.autovacuum
    def _gc_lapsed(self):
        self.sudo().search([("until", "<=", fields.Datetime.now())]).unlink()
