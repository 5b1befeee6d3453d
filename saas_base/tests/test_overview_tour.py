import json

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestOverviewTour(HttpCase):

    def test_overview_from_the_menu(self):
        Instance = self.env["saas.instance"]
        plan = self.env["saas.plan"].search([], limit=1)
        partner = self.env["res.partner"].create({"name": "Overview tour customer"})
        Instance._create_state_machine([
            {"name": f"Tour {n}", "subdomain": f"ov-tour-{n}", "partner_id": partner.id,
             "plan_id": plan.id, "state": "active"} for n in range(3)])
        expect = {"active": Instance.search_count([("state", "=", "active")])}
        code = (f"window.saasOverviewExpect = {json.dumps(expect)};"
                f" odoo.startTour('saas_overview_tour', {{}});")
        self.start_tour("/odoo", "saas_overview_tour", login="admin", code=code)
