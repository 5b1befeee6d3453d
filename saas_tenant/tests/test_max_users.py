from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import master_clear, master_write


@tagged("post_install", "-at_install")
class TestMaxUsers(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        master_clear(cls.env.cr)
        cls.Users = cls.env["res.users"].with_context(no_reset_password=True)
        cls.base_count = cls.Users.search_count([("share", "=", False)])
        # room for exactly one more internal user
        cls.limit = cls.base_count + 1
        master_write(cls.env.cr, max_users=cls.limit)

    def test_create_beyond_limit(self):
        new_test_user(self.env, login="u_ok", groups="base.group_user")
        with self.assertRaisesRegex(ValidationError, f"Your plan allows {self.limit} users"):
            new_test_user(self.env, login="u_too_many", groups="base.group_user")

    def test_create_many_at_once(self):
        with self.assertRaises(ValidationError):
            self.Users.create([
                {"name": "A", "login": "u_a", "groups_id": [(6, 0, [self.env.ref("base.group_user").id])]},
                {"name": "B", "login": "u_b", "groups_id": [(6, 0, [self.env.ref("base.group_user").id])]},
            ])

    def test_portal_users_do_not_count(self):
        new_test_user(self.env, login="u_ok", groups="base.group_user")
        portal = new_test_user(self.env, login="p1", groups="base.group_portal")
        new_test_user(self.env, login="p2", groups="base.group_portal")
        self.assertTrue(portal.share)
        # but turning a portal user into an internal user does
        with self.assertRaises(ValidationError):
            portal.groups_id = [(6, 0, [self.env.ref("base.group_user").id])]

    def test_reactivate_beyond_limit(self):
        archived = new_test_user(self.env, login="u_archived", groups="base.group_user")
        archived.active = False
        new_test_user(self.env, login="u_ok", groups="base.group_user")
        with self.assertRaisesRegex(ValidationError, "Your plan allows"):
            archived.active = True
        # within the limit again, reactivation works
        self.Users.search([("login", "=", "u_ok")]).active = False
        archived.active = True
        self.assertTrue(archived.active)

    def test_downgrade_keeps_existing_users_editable(self):
        user = new_test_user(self.env, login="u_ok", groups="base.group_user")
        master_write(self.env.cr, max_users=1)
        # no new internal user: editing is allowed even above the limit
        user.write({"name": "Renamed", "groups_id": [(4, self.env.ref("base.group_user").id)]})
        user.active = False
        with self.assertRaises(ValidationError):
            user.active = True

    def test_no_limit(self):
        master_write(self.env.cr, max_users=0)
        for i in range(3):
            new_test_user(self.env, login=f"free_{i}", groups="base.group_user")
        master_clear(self.env.cr)
        new_test_user(self.env, login="free_x", groups="base.group_user")
