from odoo import fields, models

# Frappe Press's lifecycle: a failure is not final, recovery starts at once;
# recovered = back on the old release with the data of the backup taken
# first; fatal = the recovery failed too, a person is needed (the
# maintenance page stays up)
STATES = [("pending", "Pending"), ("running", "Running"), ("success", "Success"),
          ("recovering", "Recovering"), ("recovered", "Recovered"), ("fatal", "Fatal")]


class SaasReleaseUpdate(models.Model):
    """One promotion of an instance to a release (backup, maintenance page,
    update, smoke checks, route switch; on failure, restore and route back).
    Written by the promotion job only."""

    _name = "saas.release.update"
    _inherit = ["saas.release.move"]
    _description = "SaaS Release Update (promotion of one instance)"
    _order = "id desc"

    state = fields.Selection(STATES, default="pending", required=True, readonly=True)
    backup_id = fields.Many2one("saas.backup", readonly=True, ondelete="set null")
    step = fields.Char(readonly=True, help="The last step reached.")
    downtime = fields.Float(string="Downtime (s)", readonly=True, digits=(16, 2),
                            help="From the maintenance page on to served again.")
    summary = fields.Char(readonly=True)
    log_excerpt = fields.Text(readonly=True)

    def _failed(self):
        return self.filtered(lambda u: u.state in ("recovering", "recovered", "fatal"))
