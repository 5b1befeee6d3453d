"""Alerts to the operator: an activity on the record for a SaaS manager,
never two open at once for the same alert.  Addons raise them through
``saas.alert._raise_alert`` and tell the outside through
``saas.events._saas_event`` (saas_webhook: an event)."""
from odoo import _, api, models


class SaasAlert(models.AbstractModel):
    _name = "saas.alert"
    _description = "SaaS Operator Alerts"

    @api.model
    def _alert_user(self, record):
        """Who gets the activity: the record's responsible when they are a
        SaaS manager, else the first SaaS manager."""
        group = self.env.ref("saas_base.group_saas_manager")
        responsible = record["user_id"] if "user_id" in record._fields else None
        if responsible and group in responsible.groups_id and responsible.active:
            return responsible
        managers = group.users.filtered(lambda u: u.active and not u.share).sorted("id")
        admins = managers.filtered(lambda u: u.id != self.env.ref("base.user_root").id)
        return (admins or managers or self.env.user)[:1]

    @api.model
    def _open_alert(self, record, summary):
        return self.env["mail.activity"].sudo().search([
            ("res_model", "=", record._name), ("res_id", "=", record.id),
            ("activity_type_id", "=", self.env.ref("saas_base.mail_activity_type_saas_alert").id),
            ("summary", "=", summary),
        ], limit=1)

    @api.model
    def _raise_alert(self, record, summary, note):
        """An activity ``summary`` on ``record``, unless one is still open
        (not done).  Returns the new activity, or an empty one."""
        record.ensure_one()
        if self._open_alert(record, summary):
            return self.env["mail.activity"]
        return record.sudo().activity_schedule(
            "saas_base.mail_activity_type_saas_alert", summary=summary, note=note,
            user_id=self._alert_user(record).id)

    @api.model
    def _summary_capacity(self):
        return _("Server over its limits")
