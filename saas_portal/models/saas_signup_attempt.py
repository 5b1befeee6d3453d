from datetime import timedelta

from odoo import api, fields, models

from odoo.addons.saas_base.tools import settings

from .. import signup_rules



class SaasSignupAttempt(models.Model):
    """One sign-up submission, availability check or confirmed address
    (set-password page sent: a verified sign-up), by client address.

    The rate limits count these rows.  They live in the database rather than
    in process memory because a production server runs several workers (and
    several machines): an in-memory counter would let each worker grant its
    own quota.  Rows are short-lived: a cron deletes those older than a day.
    The rules themselves are plain Python (``saas_portal/signup_rules.py``).
    """

    _name = "saas.signup.attempt"
    _description = "SaaS Sign-up Attempt"
    _order = "id desc"
    _log_access = False

    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    ip = fields.Char(string="Client Address", required=True, index=True,
                     help="The address, or its /64 network for IPv6: what the limit counts.")
    kind = fields.Selection(
        [("signup", "Sign-up"), ("check", "Availability check"),
         ("verify", "Sign-up verified")], required=True, index=True)
    result = fields.Char(help="pending (waits for its address to be confirmed), accepted "
                         "(verified), or the rule that refused the attempt")
    instance_id = fields.Many2one("saas.instance", ondelete="set null")

    @api.model
    def _limits(self, kind):
        if kind == "signup":
            return (settings.get(self.env, "saas_portal.signup_rate_limit"),
                    settings.get(self.env, "saas_portal.signup_rate_window"))
        return (settings.get(self.env, "saas_portal.check_rate_limit"),
                settings.get(self.env, "saas_portal.check_rate_window"))

    @api.model
    def _record_attempt(self, ip, kind):
        """Record an attempt; return it and the limit it hits (a
        ``signup_rules`` reason) or False.

        Advisory locks per (address bucket, kind) -- and, for sign-ups, one
        global lock -- serialise concurrent requests across workers, so that
        N parallel requests cannot all read "under the limit" before any of
        them is counted.
        """
        bucket = signup_rules.address_bucket(ip)
        self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                            [f"saas_portal:{kind}:{bucket}"])
        limit, window = self._limits(kind)
        now = fields.Datetime.now()
        recent = self.sudo().search_count([
            ("ip", "=", bucket), ("kind", "=", kind),
            ("date", ">=", now - timedelta(seconds=window))])
        global_cap = global_recent = 0
        if kind == "signup":
            global_cap = settings.get(self.env, "saas_portal.signup_global_hourly_cap")
            if global_cap > 0:
                self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                                    ["saas_portal:signup:global"])
                # verified sign-ups only: unverified ones (which anyone can
                # send from many addresses) cannot block real customers
                global_recent = self.sudo().search_count([
                    ("kind", "=", "verify"), ("date", ">=", now - timedelta(hours=1))])
        attempt = self.sudo().create({"ip": bucket, "kind": kind})
        over = signup_rules.refusal(recent, limit, global_recent, global_cap)
        if over:
            attempt.result = over
        return attempt, over or False

    @api.model
    def _record_verified(self, ip, instance):
        """A sign-up's address confirmed and its password set: what the
        global hourly cap counts."""
        return self.sudo().create({"ip": signup_rules.address_bucket(ip), "kind": "verify",
                                   "result": "accepted", "instance_id": instance.id})

    @api.model
    def _captcha_verify(self, form, ip):
        """CAPTCHA hook, off by default: return None when the sign-up may go
        on, else the message to show.  An addon for a provider (hCaptcha,
        Turnstile, reCAPTCHA, ...) overrides this to call the provider's
        verification endpoint with the response field of ``form``, and
        inherits the template ``saas_portal.signup_captcha`` to add its
        widget to the form (see readme/CONFIGURE.md)."""
        return None

    @api.model
    def _gc(self, days=1):
        old = fields.Datetime.now() - timedelta(days=days)
        self.sudo().search([("date", "<", old)]).unlink()
        return True
