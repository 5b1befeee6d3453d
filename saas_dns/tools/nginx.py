"""nginx configuration generated from the router's host -> database map.

One wildcard server for ``<label>.<base_domain>`` (the tenants' subdomains),
one server per custom domain (TLS when a certificate is in the configured
directory), one per name of an ended tenant (a redirect), the master's own
names, and a default server that answers nothing else.  Every proxied
request carries the host nginx routed it by, port kept, as ``Host`` and
``X-Forwarded-Host`` (:data:`PROXY_HEADERS`: a client's forged
X-Forwarded-Host never reaches Odoo), ``/websocket`` is upgraded, and
``/queue_job/runjob`` and ``/web/database/`` are answered 404 by nginx.

:func:`apply` writes the new file beside the live one, has ``nginx -t``
check it, and only then renames it over the live file and reloads: a broken
configuration is never loaded (the old one keeps serving).
"""
import os
import re
import signal
import subprocess
import tempfile

_HOST = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")


class NginxError(Exception):
    """The configuration was refused (``nginx -t``) or nginx could not be
    reloaded; the live configuration is unchanged."""


def _host(name):
    name = (name or "").lower().rstrip(".")
    if not _HOST.match(name) or ".." in name:
        raise NginxError(f"refusing host name {name!r} in the nginx configuration")
    return name


def _url(url):
    if not re.match(r"^https?://[^\s;{}'\"]+$", url or ""):
        raise NginxError(f"refusing redirect URL {url!r}")
    return url


def cert_paths(cert_dir, host):
    """``<cert_dir>/<host>/fullchain.pem`` and ``privkey.pem`` (the layout
    certbot and acme.sh use with a deploy hook), or None when absent."""
    if not cert_dir:
        return None
    chain = os.path.join(cert_dir, host, "fullchain.pem")
    key = os.path.join(cert_dir, host, "privkey.pem")
    return (chain, key) if os.path.isfile(chain) and os.path.isfile(key) else None


# The host nginx routed the request by ($host: the request line's, else the
# Host header's), with the port the client typed when the Host header names
# the same host (Odoo's redirects keep it); never a client's X-Forwarded-Host.
# Odoo (proxy_mode) reads X-Forwarded-Host to pick the database: a forged
# "X-Forwarded-Host: localhost" through a tenant's vhost must not reach the
# master.  scripts/prod_split.py uses these same lines; deploy/nginx.conf
# carries them as text (tests/test_nginx_headers.py compares).
FORWARDED_HOST_MAP = r"""map "$host $http_host" $saas_host {
    "~*^(\S+) \1(:[0-9]+)?$" $http_host;
    default $host;
}
"""
PROXY_HEADERS = (
    "proxy_set_header Host $saas_host;",
    "proxy_set_header X-Forwarded-Host $saas_host;",
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "proxy_set_header X-Forwarded-Proto $scheme;",
    "proxy_set_header X-Real-IP $remote_addr;",
)
# Never through the proxy: the job runner calls runjob on Odoo directly, and
# the database manager is for nobody outside (list_db is off too).
BLOCKED_PREFIXES = ("/queue_job/runjob", "/web/database/")


def indented(text_or_lines, indent):
    lines = text_or_lines.splitlines() if isinstance(text_or_lines, str) else text_or_lines
    return "".join(f"{' ' * indent}{line}\n" for line in lines)


def blocked_locations(indent=8):
    return "".join(f"{' ' * indent}location ^~ {path} {{ return 404; }}\n"
                   for path in BLOCKED_PREFIXES)


def _proxy(odoo, ws):
    headers = indented(PROXY_HEADERS, 12)
    return (blocked_locations(8)
            + f"        location /websocket {{\n            proxy_pass http://{ws};\n"
            "            proxy_http_version 1.1;\n"
            "            proxy_set_header Upgrade $http_upgrade;\n"
            "            proxy_set_header Connection $connection_upgrade;\n"
            + headers + "        }\n"
            + f"        location / {{\n            proxy_pass http://{odoo};\n" + headers
            + "            proxy_redirect off;\n            proxy_read_timeout 720s;\n"
            "            client_max_body_size 128m;\n        }\n")


_ADDRESS = re.compile(r"^[A-Za-z0-9.-]+:[0-9]{1,5}$")


def app_upstream(address):
    """The upstream name of a release's application server (``host:port``)."""
    if not _ADDRESS.match(address or ""):
        raise NginxError(f"refusing application server address {address!r}")
    return "saas_app_" + re.sub(r"[^A-Za-z0-9]", "_", address)


def render_servers(routes, base_domain, upstream, listen, master_hosts=(),
                   websocket_upstream=None, cert_dir=None, listen_tls=443):
    """The ``http`` block's content.  ``routes``: iterable of
    (host, kind, redirect_url[, app_server]) from ``saas.route``; a host
    with an ``app_server`` (its release's processes, host:port) is proxied
    there, every other tenant host to ``upstream``."""
    domain = _host(base_domain.partition(":")[0])
    out = [
        "    map $http_upgrade $connection_upgrade {\n"
        "        default upgrade;\n        ''      close;\n    }\n",
        f"    upstream saas_odoo {{\n        server {upstream};\n    }}\n",
        f"    upstream saas_odoo_ws {{\n        server {websocket_upstream or upstream};\n    }}\n",
        indented(FORWARDED_HOST_MAP, 4),
    ]
    routes = [tuple(r) + (None,) * (4 - len(r)) for r in routes]
    apps = {(_host(h), app_upstream(a)) for h, _k, url, a in routes if a and not url}
    for name in sorted({n for _h, n in apps}):
        address = next(a for _h, _k, url, a in routes if a and app_upstream(a) == name)
        out.append(f"    upstream {name} {{\n        server {address};\n    }}\n")
    # each tenant host to its release's processes (the default ones otherwise)
    out.append("    map $host $saas_app {\n        default saas_odoo;\n" + "".join(
        f"        {h} {n};\n" for h, n in sorted(apps)) + "    }\n")
    out.append("    map $host $saas_app_ws {\n        default saas_odoo_ws;\n" + "".join(
        f"        {h} {n};\n" for h, n in sorted(apps)) + "    }\n")
    proxy = _proxy(odoo="saas_odoo", ws="saas_odoo_ws")
    tenant_proxy = _proxy(odoo="$saas_app", ws="$saas_app_ws")
    out.append(f"    server {{\n        listen {listen} default_server;\n"
               f"        server_name _;\n        return 404;\n    }}\n")
    masters = sorted({_host(h) for h in master_hosts} | {domain})
    out.append(f"    server {{\n        listen {listen};\n"
               f"        server_name {' '.join(masters)};\n{proxy}    }}\n")
    escaped = re.escape(domain).replace("\\.", "\\.")
    out.append(f"    server {{\n        listen {listen};\n"
               f"        server_name ~^(?<sub>[a-z0-9-]+)\\.{escaped}$;\n{tenant_proxy}    }}\n")
    for host, kind, redirect_url, _app in sorted(routes, key=lambda r: r[0]):
        host = _host(host)
        if redirect_url:
            out.append(f"    server {{\n        listen {listen};\n        server_name {host};\n"
                       f"        return 302 {_url(redirect_url)};\n    }}\n")
            continue
        if kind != "custom":
            continue  # served by the wildcard server
        tls = cert_paths(cert_dir, host)
        lines = [f"        listen {listen};"]
        if tls:
            lines += [f"        listen {listen_tls} ssl;",
                      f"        ssl_certificate {tls[0]};",
                      f"        ssl_certificate_key {tls[1]};"]
        out.append("    server {\n" + "\n".join(lines) +
                   f"\n        server_name {host};\n{tenant_proxy}    }}\n")
    return "".join(out)


def render_main(servers, prefix):
    """A complete nginx.conf for ``nginx -c FILE -p PREFIX`` (own pid file
    and temp paths: nothing outside ``prefix``)."""
    return f"""# Generated by saas_dns from the route map: do not edit, changes are overwritten.
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{
    worker_connections 512;
}}
http {{
    server_tokens off;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server_names_hash_bucket_size 128;
{servers}}}
"""


def check(nginx_bin, conf_path, prefix):
    result = subprocess.run([nginx_bin, "-t", "-q", "-c", conf_path, "-p", prefix],
                            capture_output=True, text=True, timeout=30)
    if result.returncode:
        raise NginxError((result.stderr or result.stdout).strip()[-1000:])


def apply(text, conf_path, prefix, nginx_bin="nginx", pid_file=None):
    """Validate ``text`` with ``nginx -t``, switch it in atomically and
    reload nginx (when running).  Returns True when the file changed."""
    if os.path.exists(conf_path):
        with open(conf_path) as live:
            if live.read() == text:
                return False
    directory = os.path.dirname(os.path.abspath(conf_path))
    fd, candidate = tempfile.mkstemp(prefix=".saas-nginx-", suffix=".conf", dir=directory)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        check(nginx_bin, candidate, prefix)
        os.replace(candidate, conf_path)
    finally:
        if os.path.exists(candidate):
            os.unlink(candidate)
    reload(pid_file)
    return True


def reload(pid_file):
    """SIGHUP to the running nginx; False when it is not running (it reads
    the new file when it starts)."""
    if not pid_file or not os.path.exists(pid_file):
        return False
    with open(pid_file) as f:
        pid = f.read().strip()
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), signal.SIGHUP)
    except ProcessLookupError:
        return False
    return True
