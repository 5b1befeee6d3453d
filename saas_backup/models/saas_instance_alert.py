from odoo import _, fields, models

from ..lib import policy


class SaasInstance(models.Model):
    """Backup health at danger is an alert to the operator: an activity on
    the instance (once while open) and the ``backup.danger`` event (through
    ``saas.events``, sent by saas_webhook)."""

    _inherit = "saas.instance"

    def _update_backup_health(self, now=None):
        res = super()._update_backup_health(now=now)
        self._check_backup_alert(now or fields.Datetime.now())
        return res

    def _check_backup_alert(self, now):
        """Raise the alert on each instance at danger; one never backed up
        only once it is as old as the danger age (a new tenant waits for its
        first backup)."""
        Alert = self.env["saas.alert"]
        raised = self.browse()
        for instance in self.filtered(lambda i: i.backup_health == "danger"
                                      and i.state in ("active", "suspended")):
            if not instance.last_backup_at and \
                    instance.create_date > now - policy.HEALTH_DANGER_AFTER:
                continue
            reason = (_("last backup on %s", instance.last_backup_at)
                      if instance.last_backup_at else _("never backed up"))
            activity = Alert._raise_alert(instance, _("Backups at danger"), _(
                "The backups of %(name)s are at danger (%(reason)s): back it up, check "
                "the storage and the last restore drill.", name=instance.display_name,
                reason=reason))
            if activity:
                self.env["saas.events"]._saas_event("backup.danger", instance, {
                    "instance_id": instance.id,
                    "subdomain": instance.subdomain,
                    "backup_health": instance.backup_health,
                    "last_backup_at": instance.last_backup_at or None,
                    "reason": reason,
                })
                raised |= instance
        return raised
