"""Is a tenant served?  Its login page, asked of the Odoo server by host name.

Plain Python, one concern: the pipeline's last check (and the request that
loads the tenant's registry in that server, so that the customer's first
page is fast).
"""
import requests


class TenantNotServed(requests.RequestException):
    """The login page did not answer as a tenant's should (worth a retry:
    a server restarting, a registry still loading)."""


def check_login_page(server_url, host, timeout=60):
    """GET ``<server_url>/web/login`` with ``Host: host``; the seconds it took.
    Raises TenantNotServed unless it answered 200 with a login form, and
    requests' own errors when the server does not answer."""
    url = (server_url or "http://127.0.0.1:8069").rstrip("/") + "/web/login"
    response = requests.get(url, headers={"Host": host}, timeout=timeout,
                            allow_redirects=False)
    if response.status_code != 200 or 'name="login"' not in response.text:
        raise TenantNotServed(f"{url} (Host {host}) answered {response.status_code}")
    return response.elapsed.total_seconds()
