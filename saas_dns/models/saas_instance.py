import logging
import time

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo import sql_db

from odoo.addons.saas_base.tools import settings
from odoo.addons.saas_provisioning.adapters.errors import AdapterError
from odoo.addons.saas_router import routing
from odoo.addons.saas_router import tenant_contract as contract

from ..providers import DnsError, make_provider
from ..tools import nginx

_logger = logging.getLogger(__name__)


class DnsStepError(AdapterError):
    """The DNS provider failed: the provisioning step is retried."""


class SaasInstance(models.Model):
    _inherit = "saas.instance"

    custom_domain_ids = fields.One2many("saas.custom.domain", "instance_id",
                                        string="Custom Domains")

    # ------------------------------------------------------------------
    # settings
    # ------------------------------------------------------------------
    def _dns_zone(self):
        return routing.bare_host(settings.get(self.env, "saas_dns.zone") or routing.base_domain())

    def _dns_provider(self):
        """The configured provider (plain Python), or None."""
        kind = settings.get(self.env, "saas_dns.provider")
        if kind == "none":
            return None
        api_url = settings.get(self.env, "saas_dns.api_url")
        api_key = settings.get(self.env, "saas_dns.api_key")
        if kind == "powerdns":
            return make_provider(kind, api_url=api_url, api_key=api_key)
        if kind == "route53":
            return make_provider(kind, access_key=settings.get(self.env, "saas_dns.access_key"),
                                 secret_key=api_key, endpoint_url=api_url or None)
        return make_provider(kind, api_token=api_key, base_url=api_url or None)

    def _dns_records(self):
        """(name, type, values) this instance needs: its own name, or the
        zone's wildcard in wildcard mode."""
        self.ensure_one()
        target = settings.get(self.env, "saas_dns.target")
        if not target:
            return []
        rtype = "AAAA" if ":" in target else (
            "A" if target.replace(".", "").isdigit() else "CNAME")
        name = f"*.{self._dns_zone()}" if settings.get(self.env, "saas_dns.wildcard") \
            else routing.bare_host(self._host())
        return [(name, rtype, [target])]

    # ------------------------------------------------------------------
    # DNS records, a step of provisioning; removed on terminate
    # ------------------------------------------------------------------
    def _dns_publish(self):
        provider = self._dns_provider()
        if not provider:
            return None
        zone, ttl = self._dns_zone(), settings.get(self.env, "saas_dns.ttl")
        done = []
        try:
            for name, rtype, values in self._dns_records():
                provider.wait(provider.replace_record(zone, name, rtype, values, ttl=ttl))
                done.append(f"{name} {rtype} {' '.join(values)}")
        except DnsError as exc:
            raise DnsStepError(str(exc)) from exc
        return ", ".join(done)

    def _dns_unpublish(self):
        provider = self._dns_provider()
        if not provider or settings.get(self.env, "saas_dns.wildcard"):
            return None  # the wildcard serves the others too
        try:
            for name, rtype, _values in self._dns_records():
                provider.delete_record(self._dns_zone(), name, rtype)
        except DnsError as exc:
            raise DnsStepError(str(exc)) from exc
        return True

    def _make_reachable(self, operation):
        result = super()._make_reachable(operation)
        started = time.monotonic()
        message = self._dns_publish()
        if message:
            self._log(operation, "dns", "done", started, _("Records set: %s", message))
        return result

    def _job_terminate(self):
        result = super()._job_terminate()
        if self.state == "terminated":
            started = time.monotonic()
            try:
                if self._dns_unpublish():
                    self._log("terminate", "dns", "done", started, _("Records removed"))
            except DnsStepError as exc:
                self._log("terminate", "dns", "failed", started, str(exc))
                self.message_post(body=_("DNS records could not be removed: %s", exc))
        return result

    # ------------------------------------------------------------------
    # routes: custom domains, ended tenants; nginx follows the map
    # ------------------------------------------------------------------
    def _routes(self):
        routes = super()._routes()
        if self.state == "terminated":
            url = settings.get(self.env, "saas_dns.terminated_redirect_url")
            if not url or not self.subdomain:
                return routes
            hosts = [routing.bare_host(self._host())] + self.custom_domain_ids.mapped("name")
            return routes + [{"host": h, "redirect_url": url,
                              "kind": "subdomain" if i == 0 else "custom"}
                             for i, h in enumerate(hosts)]
        if routes:
            routes += [{"host": d.name, "database_name": self.database_name, "kind": "custom"}
                       for d in self.sudo().custom_domain_ids if d.state == "verified"]
        return routes

    def _publish_routes(self):
        super()._publish_routes()
        self.env["saas.instance"]._nginx_sync()

    def _nginx_sync(self):
        """Write nginx's configuration from the map (as committed) when a
        configuration path is set; a refused one is logged, never loaded."""
        conf = settings.get(self.env, "saas_dns.nginx_conf")
        if not conf:
            return False
        prefix = settings.get(self.env, "saas_dns.nginx_prefix")
        with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            routes = routing.read_routes(cr)
        try:
            servers = nginx.render_servers(
                [(host, r.kind, r.redirect_url, r.app_server) for host, r in routes.items()],
                base_domain=routing.base_domain(),
                upstream=settings.get(self.env, "saas_dns.nginx_upstream"),
                listen=settings.get(self.env, "saas_dns.nginx_listen"),
                master_hosts=sorted(routing.master_hosts() - set(routing.LOOPBACK_HOSTS)),
                cert_dir=settings.get(self.env, "saas_dns.cert_dir") or None)
            return nginx.apply(nginx.render_main(servers, prefix), conf, prefix,
                               nginx_bin=settings.get(self.env, "saas_dns.nginx_bin"),
                               pid_file=settings.get(self.env, "saas_dns.nginx_pid") or None)
        except (nginx.NginxError, OSError) as exc:
            _logger.warning("saas_dns: nginx configuration not applied: %s", exc)
            return False

    # ------------------------------------------------------------------
    # the tenant's address
    # ------------------------------------------------------------------
    def _public_url(self):
        """The verified custom domain when there is one, else the subdomain URL."""
        self.ensure_one()
        domain = self.sudo().custom_domain_ids.filtered(lambda d: d.state == "verified")[:1]
        if not domain:
            return self.url
        return f"{self._url_settings()[0]}://{domain.name}"

    def _tenant_settings(self):
        return dict(super()._tenant_settings(), **{contract.BASE_URL: self._public_url() or ""})

    def _push_base_url(self):
        """Through the settings door: the tenant applies ``base_url`` as its
        web.base.url (saas_tenant)."""
        self._live()._push_tenant_settings(keys=(contract.BASE_URL,))

    def _add_custom_domain(self, name):
        self.ensure_one()
        self._check_may_manage_domains()
        if self.state not in ("active", "suspended"):
            raise UserError(_("The instance must be active to attach a domain."))
        return self.env["saas.custom.domain"].sudo().create({"instance_id": self.id, "name": name})
