from odoo import fields, models


class SaasInstanceUsage(models.Model):
    """Usage history, one row per instance and sweep, for graphs and billing."""

    _name = "saas.instance.usage"
    _description = "SaaS Instance Usage"
    _order = "date desc, id desc"

    instance_id = fields.Many2one("saas.instance", required=True, ondelete="cascade", index=True)
    partner_id = fields.Many2one(related="instance_id.partner_id", store=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    user_count = fields.Integer(string="Users", aggregator="max")
    db_size_mb = fields.Float(string="Database (MB)", digits=(16, 1), aggregator="max")
    filestore_size_mb = fields.Float(string="Filestore (MB)", digits=(16, 1), aggregator="max")
