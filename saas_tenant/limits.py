"""What the master decided for this tenant, read from ``saas_control.tenant_setting``.

Plain Python on purpose: the table is not an ORM model, so that no tenant
user reaches it through the UI or RPC; and it lives in the schema ``saas_control``,
which the master's PostgreSQL role owns: the tenant's role, which owns
everything else in its database, may only read it (no UPDATE, no trigger, no
DROP), so even an administrator running SQL cannot lift a suspension.  The
name is always schema-qualified: a table of the same name that the tenant
creates in ``public`` is never read.

Reading it costs one indexed query on a table of a handful of rows; callers
read it at most once per request and keep no cross-request cache, so a
change made by the master is seen by every worker on its next request.
"""

from markupsafe import Markup

from odoo.addons.saas_router import tenant_contract as contract

# The table and its keys: the contract's (saas_router, loaded server-wide
# wherever tenants are served).
SCHEMA = contract.SCHEMA
TABLE = contract.TABLE
SUSPENDED = contract.SUSPENDED
SUSPENDED_REASON = contract.SUSPENDED_REASON
MAX_USERS = contract.MAX_USERS
MAX_STORAGE_MB = contract.MAX_STORAGE_MB
MASTER_URL = contract.MASTER_URL
SUPPORT_EMAIL = contract.SUPPORT_EMAIL


def ensure_table(cr):
    """Create the table when missing (a database of this addon alone, such as
    its tests'); in a template the master made it before the build, so this
    does nothing there, nor in a tenant (whose role could not create it)."""
    cr.execute(contract.EXISTS_SQL, [TABLE])
    if cr.fetchone()[0]:
        return
    cr.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    cr.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({contract.COLUMNS})")


def read_settings(cr):
    """Return every setting as a ``{key: value}`` dict of strings (one query)."""
    cr.execute(contract.READ_SQL)
    return dict(cr.fetchall())


def is_suspended(settings):
    return contract.get(settings, SUSPENDED)


def max_users(settings):
    """Maximum number of active internal users; 0 means no limit (a
    malformed value too: it must not lock the tenant out)."""
    return contract.get(settings, MAX_USERS)


def max_storage_mb(settings):
    return contract.get(settings, MAX_STORAGE_MB)


def suspended_message(settings):
    """Plain-text message shown when a login or RPC call is refused."""
    parts = ["This instance is suspended."]
    reason = (settings.get(SUSPENDED_REASON) or "").strip()
    if reason:
        parts.append(f"Reason: {reason}.")
    parts.append(_contact_sentence(settings))
    return " ".join(parts)


def _contact_sentence(settings):
    email = (settings.get(SUPPORT_EMAIL) or "").strip()
    url = (settings.get(MASTER_URL) or "").strip()
    if email and url:
        return f"Please contact {email} or settle your subscription at {url}."
    if email:
        return f"Please contact {email}."
    if url:
        return f"Please settle your subscription at {url}."
    return "Please contact your service provider."


def _safe_url(url):
    # Only http(s) links: a value such as "javascript:..." must not become a
    # clickable link even though the master is trusted.
    return url if url.lower().startswith(("http://", "https://")) else ""


def suspended_page(settings):
    """Self-contained HTML page (no assets, no QWeb, no further query)."""
    reason = (settings.get(SUSPENDED_REASON) or "").strip()
    email = (settings.get(SUPPORT_EMAIL) or "").strip()
    url = _safe_url((settings.get(MASTER_URL) or "").strip())
    items = Markup("")
    if reason:
        items += Markup("<p>Reason: %s</p>") % reason
    if email:
        items += Markup('<p>Contact: <a href="mailto:%s">%s</a></p>') % (email, email)
    if url:
        items += Markup('<p><a class="btn" href="%s">Manage your subscription</a></p>') % url
    if not (email or url):
        items += Markup("<p>Please contact your service provider.</p>")
    return str(
        Markup(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/>"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
            "<title>Instance suspended</title>"
            "<style>body{font-family:sans-serif;background:#f5f5f5;color:#333}"
            "main{max-width:32em;margin:10vh auto;background:#fff;padding:2em;"
            "border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.15)}"
            ".btn{display:inline-block;background:#714b67;color:#fff;padding:.5em 1em;"
            "border-radius:4px;text-decoration:none}</style></head>"
            "<body><main><h1>This instance is suspended</h1>"
            "<p>Your data is kept safe, but this instance cannot be used until it "
            "is reactivated.</p>%s"
            '<p><a href="/web/session/logout">Log out</a></p></main></body></html>'
        )
        % items
    )



# -- storage quota -------------------------------------------------------------
# The master measures the database and the filestore (usage sweep, activation,
# plan change) and ships the figure with the time of the measure; what was
# uploaded since is added here, so the quota holds between two measures.
STORAGE_USED_MB = contract.STORAGE_USED_MB
STORAGE_MEASURED_AT = contract.STORAGE_MEASURED_AT
STORAGE_PLANS = contract.STORAGE_PLANS
STORAGE_WARN_RATIO = 0.9


def storage_used_mb(settings):
    """What the master measured (database + filestore), in MB."""
    return contract.get(settings, STORAGE_USED_MB)


def storage_measured_at(settings):
    return contract.get(settings, STORAGE_MEASURED_AT)


def fitting_plan(settings, needed_mb):
    """Name of the smallest plan offered by the master whose storage holds
    ``needed_mb`` (0 = no limit counts as holding anything), or None."""
    plans = contract.get(settings, STORAGE_PLANS)
    fitting = []
    for plan in plans if isinstance(plans, list) else []:
        if not isinstance(plan, dict) or not plan.get("name"):
            continue
        try:
            limit = float(plan.get("max_storage_mb") or 0)
        except (TypeError, ValueError):
            continue
        if not limit or limit >= needed_mb:
            fitting.append((limit or float("inf"), str(plan["name"])))
    return min(fitting)[1] if fitting else None


def storage_refusal(settings, used_mb, adding_bytes):
    """Plain-text refusal when ``adding_bytes`` on top of ``used_mb`` exceeds
    ``max_storage_mb``; None when it fits (or there is no limit)."""
    limit = max_storage_mb(settings)
    if not limit or adding_bytes <= 0:
        return None
    needed = used_mb + adding_bytes / 2**20
    if needed <= limit:
        return None
    message = (f"Storage limit reached: your plan allows {limit} MB and this instance "
               f"uses {used_mb:.1f} MB; this file ({adding_bytes / 2**20:.1f} MB) does "
               "not fit. Delete files you no longer need")
    plan = fitting_plan(settings, needed)
    if plan:
        message += f", or upgrade to the {plan} plan"
    else:
        message += ", or contact your service provider"
    return message + "."


def storage_warning(settings, used_mb):
    """Banner text once ``used_mb`` reaches 90 % of the limit, else None."""
    limit = max_storage_mb(settings)
    if not limit or used_mb < STORAGE_WARN_RATIO * limit:
        return None
    percent = min(int(100 * used_mb / limit), 999)
    text = (f"This instance uses {used_mb:.0f} MB of the {limit} MB its plan allows "
            f"({percent} %).")
    plan = fitting_plan(settings, limit + 1)
    if plan:
        text += f" New files will be refused at the limit: consider the {plan} plan."
    else:
        text += " New files will be refused at the limit."
    return text
