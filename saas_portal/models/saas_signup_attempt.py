from datetime import timedelta

from odoo import api, fields, models

# Defaults of the ir.config_parameter settings (see res_config_settings).
DEFAULT_SIGNUP_LIMIT = 5  # sign-up submissions per client address ...
DEFAULT_SIGNUP_WINDOW = 3600  # ... per this many seconds
DEFAULT_CHECK_LIMIT = 30  # availability checks per client address ...
DEFAULT_CHECK_WINDOW = 60  # ... per this many seconds


class SaasSignupAttempt(models.Model):
    """One sign-up submission or availability check, by client address.

    The rate limits count these rows.  They live in the database rather than
    in process memory because a production server runs several workers (and
    several machines): an in-memory counter would let each worker grant its
    own quota.  Rows are short-lived: a cron deletes those older than a day.
    """

    _name = "saas.signup.attempt"
    _description = "SaaS Sign-up Attempt"
    _order = "id desc"
    _log_access = False

    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    ip = fields.Char(string="Client Address", required=True, index=True)
    kind = fields.Selection(
        [("signup", "Sign-up"), ("check", "Availability check")], required=True, index=True)
    result = fields.Char(help="accepted, or the rule that refused the attempt")
    instance_id = fields.Many2one("saas.instance", ondelete="set null")

    @api.model
    def _limits(self, kind):
        params = self.env["ir.config_parameter"].sudo()
        if kind == "signup":
            limit = params.get_param("saas_portal.signup_rate_limit", DEFAULT_SIGNUP_LIMIT)
            window = params.get_param("saas_portal.signup_rate_window", DEFAULT_SIGNUP_WINDOW)
        else:
            limit = params.get_param("saas_portal.check_rate_limit", DEFAULT_CHECK_LIMIT)
            window = params.get_param("saas_portal.check_rate_window", DEFAULT_CHECK_WINDOW)
        return int(limit), int(window)

    @api.model
    def _record_attempt(self, ip, kind):
        """Record an attempt; return it and whether the address is over its quota.

        An advisory lock per (address, kind) serialises concurrent requests of
        one client across workers, so that N parallel requests cannot all read
        "under the limit" before any of them is counted.
        """
        ip = (ip or "unknown")[:64]
        self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                            [f"saas_portal:{kind}:{ip}"])
        limit, window = self._limits(kind)
        since = fields.Datetime.now() - timedelta(seconds=window)
        recent = self.sudo().search_count(
            [("ip", "=", ip), ("kind", "=", kind), ("date", ">=", since)])
        attempt = self.sudo().create({"ip": ip, "kind": kind})
        over = limit > 0 and recent >= limit
        if over:
            attempt.result = "rate_limited"
        return attempt, over

    @api.model
    def _gc(self, days=1):
        old = fields.Datetime.now() - timedelta(days=days)
        self.sudo().search([("date", "<", old)]).unlink()
        return True
