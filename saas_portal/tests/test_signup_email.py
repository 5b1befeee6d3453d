"""The sign-up's "email already used" check compares exactly (case aside):
``_`` and ``%``, valid in addresses, are no LIKE wildcards."""

from odoo.tests import TransactionCase, new_test_user, tagged

from ..controllers.signup import email_taken, validate_signup


@tagged("post_install", "-at_install")
class TestSignupEmail(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(cls.env, login="a_b@x.test", groups="base.group_portal")
        archived = new_test_user(cls.env, login="p%q@x.test", groups="base.group_portal")
        archived.active = False
        new_test_user(cls.env, login="mxn@x.test", groups="base.group_portal")

    def _email_error(self, email):
        Users = self.env["res.users"].with_context(active_test=False)
        before = Users.search_count([])
        _clean, errors = validate_signup(self.env, {"email": email})
        self.assertEqual(Users.search_count([]), before)
        return errors.get("email")

    def test_wildcards_match_nobody_else(self):
        for email in ("axb@x.test", "a%b@x.test", "aXb@x.test", "ab@x.test",
                      "pzq@x.test", "pzzq@x.test", "pq@x.test", "p_q@x.test",
                      # an existing mxn@x.test does not take m_n@ nor m%n@
                      "m_n@x.test", "M_N@x.test", "m%n@x.test", "m%@x.test"):
            with self.subTest(email=email):
                self.assertFalse(email_taken(self.env, email))
                self.assertIsNone(self._email_error(email))

    def test_same_address_any_case_is_taken(self):
        for email in ("a_b@x.test", "A_B@X.test", "A_b@x.TEST", "p%q@x.test", "P%Q@X.TEST"):
            with self.subTest(email=email):
                self.assertTrue(email_taken(self.env, email))
                self.assertIn("already uses this email", self._email_error(email))
