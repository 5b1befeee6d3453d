"""The router's own answer to a host it does not serve: a suspended tenant,
a database found tampered with, or one the master is working on
(maintenance: an update or a move; 503 with Retry-After, the others 403).

Built without opening the tenant's database (no registry, no QWeb, no
query): the text comes from here and the link from the route map
(``account_url``: where the customer pays or reads about its account).
Browsers get a small HTML page; JSON-RPC (``/jsonrpc``, ``/web/dataset``,
any JSON body) a JSON-RPC error; XML-RPC a fault.
"""
import json
import xmlrpc.client

from markupsafe import Markup
from werkzeug.wrappers import Response

SUSPENDED, TAMPERED, MAINTENANCE = "suspended", "tampered", "maintenance"
# a host of a release that another application server serves (routing.ELSEWHERE):
# 421 Misdirected Request, the proxy in front sent it to the wrong processes
ELSEWHERE = "elsewhere"
RETRY_AFTER_SECONDS = 30

_TEXTS = {
    SUSPENDED: (
        "This instance is suspended",
        "Your data is kept safe, but this instance cannot be used until its "
        "subscription is settled.",
        "Manage your subscription",
    ),
    TAMPERED: (
        "This instance is unavailable",
        "Its installed modules were changed in a way the service does not allow "
        "(a module the service manages was removed, or one it does not offer was "
        "loaded). Your service provider has been told and will contact you.",
        "Your account",
    ),
    MAINTENANCE: (
        "This instance is being updated",
        "Your service provider is working on this instance (an update or a move to "
        "another server). It will be back in a few moments: please try again shortly.",
        "Your account",
    ),
    ELSEWHERE: (
        "This instance is served elsewhere",
        "This instance runs on another version of the application, served by other "
        "processes than the ones that received this request. Please try again shortly.",
        "Your account",
    ),
}

_JSON_PATHS = ("/jsonrpc", "/web/dataset/", "/web/action/", "/mail/", "/bus/")


def _safe_url(url):
    """Only http(s) links: the map is the master's, but a value such as
    ``javascript:`` must never become a clickable link."""
    url = (url or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else ""


def message(kind):
    title, text, _link = _TEXTS[kind]
    return f"{title}. {text}"


def wants_json(environ):
    path = environ.get("PATH_INFO", "")
    return path.startswith(_JSON_PATHS) or \
        environ.get("CONTENT_TYPE", "").startswith("application/json")


def page(kind, account_url=None):
    """The HTML page (self-contained: no assets)."""
    title, text, link = _TEXTS[kind]
    url = _safe_url(account_url)
    action = Markup('<p><a class="btn" href="%s">%s</a></p>') % (url, link) if url else \
        Markup("<p>Please contact your service provider.</p>")
    return str(Markup(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/>"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
        "<title>%s</title>"
        "<style>body{font-family:sans-serif;background:#f5f5f5;color:#333}"
        "main{max-width:32em;margin:10vh auto;background:#fff;padding:2em;"
        "border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.15)}"
        ".btn{display:inline-block;background:#714b67;color:#fff;padding:.5em 1em;"
        "border-radius:4px;text-decoration:none}</style></head>"
        "<body><main class=\"o_saas_router_%s\"><h1>%s</h1><p>%s</p>%s</main></body></html>"
    ) % (title, kind, title, text, action))


def refusal(kind, environ, account_url=None):
    """The response for ``kind``: 403 for SUSPENDED or TAMPERED, 503 with
    Retry-After for MAINTENANCE (clients and probes come back)."""
    headers = {"Cache-Control": "no-store", "X-Saas-Refused": kind}
    status = 403
    if kind == MAINTENANCE:
        status = 503
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    elif kind == ELSEWHERE:
        status = 421
    if wants_json(environ):
        body = {"jsonrpc": "2.0", "id": None, "error": {
            "code": status, "message": message(kind),
            "data": {"name": f"saas.{kind}", "message": message(kind),
                     "account_url": _safe_url(account_url) or None}}}
        return Response(json.dumps(body), status=status, headers=headers,
                        content_type="application/json")
    if environ.get("PATH_INFO", "").startswith("/xmlrpc"):
        fault = xmlrpc.client.dumps(xmlrpc.client.Fault(status, message(kind)),
                                    methodresponse=True, allow_none=True)
        return Response(fault, status=status, headers=headers, content_type="text/xml")
    return Response(page(kind, account_url), status=status, headers=headers,
                    content_type="text/html; charset=utf-8")
