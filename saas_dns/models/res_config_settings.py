from odoo import fields, models

from ..providers import KINDS


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # DNS records (one provider for the tenants' zone).  Settings are
    # ir.config_parameter rows: readable by system administrators only.
    saas_dns_provider = fields.Selection(
        [("none", "None (records kept by hand)")] + [(k, k.capitalize()) for k in KINDS],
        config_parameter="saas_dns.provider")
    saas_dns_zone = fields.Char(config_parameter="saas_dns.zone",
                                help="DNS zone of the tenants' names (default: the base domain).")
    saas_dns_target = fields.Char(
        config_parameter="saas_dns.target",
        help="Where tenants' names point: an IP address (A/AAAA) or a host name (CNAME).")
    saas_dns_wildcard = fields.Boolean(
        config_parameter="saas_dns.wildcard",
        help="One record *.zone serves every tenant instead of one record each.")
    saas_dns_ttl = fields.Integer(config_parameter="saas_dns.ttl")
    saas_dns_api_url = fields.Char(config_parameter="saas_dns.api_url", groups="base.group_system",
                                   help="PowerDNS API URL, or Route53/Cloudflare endpoint override.")
    saas_dns_api_key = fields.Char(config_parameter="saas_dns.api_key", groups="base.group_system",
                                   help="PowerDNS API key, Cloudflare API token, or AWS secret key.")
    saas_dns_access_key = fields.Char(config_parameter="saas_dns.access_key",
                                      groups="base.group_system", help="AWS access key id.")
    saas_dns_resolver = fields.Char(
        config_parameter="saas_dns.resolver",
        help="DNS server (host:port) asked to verify custom domains, and nothing else.")
    # front door
    saas_dns_nginx_conf = fields.Char(config_parameter="saas_dns.nginx_conf",
                                      groups="base.group_system",
                                      help="nginx.conf written from the route map (empty: none).")
    saas_dns_nginx_prefix = fields.Char(config_parameter="saas_dns.nginx_prefix",
                                        groups="base.group_system")
    saas_dns_nginx_pid = fields.Char(config_parameter="saas_dns.nginx_pid",
                                     groups="base.group_system")
    saas_dns_nginx_listen = fields.Char(config_parameter="saas_dns.nginx_listen",
                                        groups="base.group_system")
    saas_dns_nginx_upstream = fields.Char(config_parameter="saas_dns.nginx_upstream",
                                          groups="base.group_system")
    saas_dns_nginx_bin = fields.Char(config_parameter="saas_dns.nginx_bin",
                                     groups="base.group_system",
                                     help="The nginx program that checks and reloads it.")
    saas_dns_cert_dir = fields.Char(
        config_parameter="saas_dns.cert_dir", groups="base.group_system",
        help="Folder with <domain>/fullchain.pem and privkey.pem (from an ACME client).")
    saas_dns_terminated_url = fields.Char(
        config_parameter="saas_dns.terminated_redirect_url",
        help="Names of terminated instances redirect here (empty: they reach nothing).")
