"""Two transactions creating the same subdomain at once.

The Python uniqueness check cannot see a row another transaction has not yet
shown it; the partial unique index must refuse the second one.  This test
uses two real cursors, commits the first creation, and removes it again.
"""

import uuid

import psycopg2
import psycopg2.errorcodes

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}


@tagged("post_install", "-at_install")
class TestConcurrentCreate(TransactionCase):
    def _cursor(self):
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        return cr

    def _remove(self, subdomain):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
            env["saas.instance"].search([("subdomain", "=", subdomain)]).unlink()

    def _race(self, subdomain, **second_vals):
        cr1, cr2 = self._cursor(), self._cursor()
        env1 = api.Environment(cr1, SUPERUSER_ID, CONTEXT)
        env2 = api.Environment(cr2, SUPERUSER_ID, CONTEXT)
        partner = env1.ref("base.main_partner").id
        self.addCleanup(self._remove, subdomain)
        # The second transaction takes its snapshot before the first commits,
        # as it would when both requests arrive together.
        self.assertEqual(env2["saas.instance"].search_count([("subdomain", "=", subdomain)]), 0)
        env1["saas.instance"].create({"subdomain": subdomain, "partner_id": partner})
        env1.flush_all()
        cr1.commit()
        with self.assertRaises(psycopg2.Error) as ctx, mute_logger("odoo.sql_db"):
            env2["saas.instance"].create(
                dict({"subdomain": subdomain, "partner_id": partner}, **second_vals)
            )
            env2.flush_all()
        cr2.rollback()
        return ctx.exception

    def test_same_subdomain_two_transactions(self):
        subdomain = f"race-{uuid.uuid4().hex[:12]}"
        error = self._race(subdomain)
        self.assertEqual(error.pgcode, psycopg2.errorcodes.UNIQUE_VIOLATION, error)
        self.assertIn("saas_instance_subdomain_live_uniq", str(error))
        # exactly one survived
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM saas_instance WHERE subdomain = %s", [subdomain])
            self.assertEqual(cr.fetchone()[0], 1)

    def test_terminated_does_not_block(self):
        subdomain = f"race-{uuid.uuid4().hex[:12]}"
        cr = self._cursor()
        env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
        partner = env.ref("base.main_partner").id
        env["saas.instance"]._create_state_machine(
            [
                {"subdomain": subdomain, "partner_id": partner, "state": "terminated"},
                {"subdomain": subdomain, "partner_id": partner, "state": "terminated"},
                {"subdomain": subdomain, "partner_id": partner},
            ]
        )
        env.flush_all()
        cr.rollback()
