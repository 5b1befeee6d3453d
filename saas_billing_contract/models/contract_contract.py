from markupsafe import Markup

from odoo import Command, api, fields, models


class ContractContract(models.Model):
    _inherit = "contract.contract"

    saas_subscription = fields.Boolean(
        string="SaaS Subscription", index=True, copy=False,
        help="Contract created by the SaaS control plane: one line per instance.")
    saas_instance_ids = fields.One2many("saas.instance", "contract_id", string="Instances")
    saas_instance_count = fields.Integer(compute="_compute_saas_instance_count")

    @api.depends("saas_instance_ids")
    def _compute_saas_instance_count(self):
        for contract in self:
            contract.saas_instance_count = len(contract.saas_instance_ids)

    def action_view_saas_instances(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("saas_base.saas_instance_action")
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def _prepare_recurring_invoices_values(self, date_ref=False):
        # The period of every line being invoiced is read before super()
        # moves last_date_invoiced forward.
        periods = {}
        for contract in self.filtered("saas_subscription"):
            ref = date_ref or contract.recurring_next_date
            if not ref:
                continue
            for line in contract._get_lines_to_invoice(ref).filtered("saas_instance_id"):
                periods[line.id] = (line.next_period_date_start, line.next_period_date_end)
        values = super()._prepare_recurring_invoices_values(date_ref=date_ref)
        if periods:
            self._saas_add_one_off_lines(values, periods)
        return values

    @api.model
    def _saas_add_one_off_lines(self, invoices_values, periods):
        """Per instance line invoiced: users above the plan and pending
        plan-change adjustments, on the same invoice."""
        Line = self.env["contract.line"]
        Adjustment = self.env["saas.billing.adjustment"]
        line_ids = list(periods)
        pending = Adjustment.search([
            ("contract_line_id.saas_instance_id", "!=", False),
            ("invoiced", "=", False),
            ("instance_id.contract_line_ids", "in", line_ids),
        ])
        by_instance = {}
        for adjustment in pending:
            by_instance.setdefault(adjustment.instance_id.id, Adjustment)
            by_instance[adjustment.instance_id.id] |= adjustment
        for vals in invoices_values:
            extra = []
            for command in vals["invoice_line_ids"]:
                line_id = command[2].get("contract_line_id")
                if line_id not in periods:
                    continue
                line = Line.browse(line_id)
                user_vals = line._saas_extra_user_vals(*periods[line_id])
                if user_vals:
                    extra.append(Command.create(user_vals))
                for adjustment in by_instance.pop(line.saas_instance_id.id, []):
                    extra.append(Command.create(adjustment._invoice_line_vals()))
            vals["invoice_line_ids"].extend(extra)

    # OCA's origin note and follower copy look each contract's invoices up
    # (one search per contract) and post one message each: for SaaS
    # subscriptions, one pass over the new invoices and one batch of notes.
    def _saas_moves_by_contract(self, invoices):
        by_contract = {}
        for move in invoices:
            contract = move.invoice_line_ids.contract_line_id.contract_id[:1]
            if contract in self:
                by_contract.setdefault(contract, self.env["account.move"])
                by_contract[contract] |= move
        return by_contract

    @api.model
    def _add_contract_origin(self, invoices):
        saas = self.filtered("saas_subscription")
        super(ContractContract, self - saas)._add_contract_origin(invoices)
        bodies = {}
        by_word = self.env._("by contract")
        for contract, moves in saas._saas_moves_by_contract(invoices).items():
            link = contract._get_html_link(title=contract.display_name)
            for move in moves:
                bodies[move.id] = Markup("%s %s %s.") % (move._creation_message(), by_word, link)
        if bodies:
            self.env["account.move"].browse(list(bodies))._message_log_batch(bodies=bodies)

    @api.model
    def _invoice_followers(self, invoices):
        saas = self.filtered("saas_subscription")
        super(ContractContract, self - saas)._invoice_followers(invoices)
        subtype = self.env.ref("contract.mail_message_subtype_invoice_created")
        by_partners = {}
        for contract, moves in saas._saas_moves_by_contract(invoices).items():
            partners = contract.message_follower_ids.filtered(
                lambda f: subtype in f.subtype_ids).partner_id
            if partners:
                key = tuple(sorted(partners.ids))
                by_partners.setdefault(key, self.env["account.move"])
                by_partners[key] |= moves
        for partner_ids, moves in by_partners.items():
            moves.message_subscribe(partner_ids=list(partner_ids))

    def _recurring_create_invoice(self, date_ref=False):
        moves = super()._recurring_create_invoice(date_ref=date_ref)
        saas_moves = moves.filtered(lambda move: move.line_ids.saas_instance_id)
        if saas_moves:
            saas_moves._saas_post_and_send()
        return moves
