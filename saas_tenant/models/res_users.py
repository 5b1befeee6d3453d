import logging

from odoo import _, api, models
from odoo.exceptions import AccessDenied, ValidationError

from .. import limits

_logger = logging.getLogger(__name__)

# Fields whose change can turn a user into an active internal user.  The
# reified group fields (in_group_N / sel_groups_N_M) of the user form are
# turned into groups_id further down the inheritance chain.
_USER_TYPE_FIELDS = {"active", "groups_id", "share"}


def _touches_user_type(vals):
    return any(
        key in _USER_TYPE_FIELDS or key.startswith(("in_group_", "sel_groups_"))
        for key in vals
    )


class ResUsers(models.Model):
    _inherit = "res.users"

    def init(self):
        super().init()
        # The master owns the table, but a template must have it from the
        # start so that every query below is valid.
        limits.ensure_table(self.env.cr)

    def _register_hook(self):
        super()._register_hook()
        # Safety net: recreate the table if it went missing (e.g. a database
        # restored from an old dump), otherwise every login would crash.
        limits.ensure_table(self.env.cr)

    # -- suspension --------------------------------------------------------

    def _check_credentials(self, credential, env):
        # Credentials first: a wrong password keeps its generic message and
        # does not tell a stranger that the instance is suspended.
        auth_info = super()._check_credentials(credential, env)
        settings = limits.read_settings(self.env.cr)
        if limits.is_suspended(settings):
            raise AccessDenied(limits.suspended_message(settings))
        return auth_info

    @classmethod
    def check(cls, db, uid, passwd):
        # ``check`` is an ormcache'd classmethod used by every XML-RPC /
        # JSON-RPC ``object`` call: once (uid, password) was accepted the
        # credentials are not checked again, so ``_check_credentials`` above
        # would not see a suspension that happened later.  Check it here on
        # every call (one query).
        super().check(db, uid, passwd)
        with cls.pool.cursor() as cr:
            settings = limits.read_settings(cr)
        if limits.is_suspended(settings):
            raise AccessDenied(limits.suspended_message(settings))

    # -- maximum number of users ---------------------------------------------

    def _internal_active(self):
        return self.filtered(lambda user: user.active and not user.share)

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        users._check_max_users(users.sudo()._internal_active())
        return users

    def write(self, vals):
        if not _touches_user_type(vals):
            return super().write(vals)
        before = self.sudo().with_context(active_test=False)._internal_active()
        res = super().write(vals)
        after = self.sudo().with_context(active_test=False)._internal_active()
        self._check_max_users(after - before)
        return res

    def _check_max_users(self, new_internal):
        """Refuse when ``new_internal`` (users that just became active
        internal users) pushes the count over the plan's limit.

        Only newcomers trigger the check, so that after a downgrade below the
        current count the existing users can still be edited; portal and
        public users (share = True) never count.
        """
        if not new_internal:
            return
        limit = limits.max_users(limits.read_settings(self.env.cr))
        if not limit:
            return
        count = self.env["res.users"].sudo().with_context(active_test=True).search_count(
            [("share", "=", False)]
        )
        if count > limit:
            raise ValidationError(
                _(
                    "Your plan allows %(limit)s users; this instance would have "
                    "%(count)s active internal users. Archive a user, make them a "
                    "portal user, or upgrade your plan.",
                    limit=limit,
                    count=count,
                )
            )
