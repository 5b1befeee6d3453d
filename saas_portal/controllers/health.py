from .portal import SaasCustomerPortal


class SaasHealthPortal(SaasCustomerPortal):
    """The instance page's health part (``instance._health_values``)."""

    def _saas_detail_values(self, instance, **extra):
        values = super()._saas_detail_values(instance, **extra)
        if instance.state in ("active", "suspended"):
            values["health"] = instance._health_values()
        return values
