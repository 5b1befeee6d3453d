"""The master <-> tenant contract: the settings table, its keys and how each
value is written.  The one place that names them.

The master decides, the tenant enforces: the master writes
``saas_control.tenant_setting`` (key -> text) in each tenant's database, in a
schema its own role owns (the tenant's role may only read it), and
saas_tenant, saas_router's module gate and its cron dispatcher read it.

Plain Python, no Odoo: saas_router is loaded server-wide wherever tenants are
served, so saas_tenant imports it from there (and nothing of the master's
addons); the master's adapter (saas_provisioning/adapters/contract.py) loads
this very file.  The table's definition is docs/ARCHITECTURE.md's
"saas_tenant" section.
"""
import json

# Not "saas": a role of that name (ours in development) would find it first
# in the default search_path ("$user", public) and hide every Odoo table.
# Always schema-qualified: a table of the same name that the tenant creates
# in ``public`` is never read.
SCHEMA = "saas_control"
TABLE = f"{SCHEMA}.tenant_setting"

# -- the keys, and the type of each value --------------------------------------
FLAG, COUNT, NUMBER, TEXT, NAMES, JSON, TIMESTAMP = (
    "flag", "count", "number", "text", "names", "json", "timestamp")

SUSPENDED = "suspended"                  # flag: closed to its users (and crons)
SUSPENDED_REASON = "suspended_reason"    # text shown on the suspended page
MAX_USERS = "max_users"                  # count, 0 = no limit
MAX_STORAGE_MB = "max_storage_mb"        # count, 0 = no limit
MASTER_URL = "master_url"                # text: where the customer's portal is
SUPPORT_EMAIL = "support_email"          # text
BASE_URL = "base_url"                    # text: the tenant's web.base.url
ALLOWED_MODULES = "allowed_modules"      # names: modules the tenant may load
BASE_MODULES = "base_modules"            # names: its clone's modules
STORAGE_USED_MB = "storage_used_mb"      # number: what the master measured
STORAGE_MEASURED_AT = "storage_measured_at"  # timestamp "YYYY-MM-DD HH:MM:SS", UTC
STORAGE_PLANS = "storage_plans"          # json [{"name": ..., "max_storage_mb": ...}]
SSO_PUBLIC_KEYS = "sso_public_keys"      # json {kid: PEM}
SSO_ISSUER = "sso_issuer"                # text

TYPES = {
    SUSPENDED: FLAG, SUSPENDED_REASON: TEXT, MAX_USERS: COUNT, MAX_STORAGE_MB: COUNT,
    MASTER_URL: TEXT, SUPPORT_EMAIL: TEXT, BASE_URL: TEXT, ALLOWED_MODULES: NAMES,
    BASE_MODULES: NAMES, STORAGE_USED_MB: NUMBER, STORAGE_MEASURED_AT: TIMESTAMP,
    STORAGE_PLANS: JSON, SSO_PUBLIC_KEYS: JSON, SSO_ISSUER: TEXT,
}


# -- encoding: every value is text ----------------------------------------------
def encode(key, value):
    """The text stored for ``value`` under ``key`` (None: the key is
    deleted).  Text that is already encoded passes as it is."""
    if value is None or isinstance(value, str):
        return value
    kind = TYPES.get(key, TEXT)
    if kind == FLAG or isinstance(value, bool):
        return "1" if value else "0"
    if kind == COUNT:
        return str(int(value))
    if kind == NUMBER:
        return "%.3f" % value
    if kind == NAMES:
        return ",".join(value)
    if kind == JSON:
        return json.dumps(value, sort_keys=True)
    if kind == TIMESTAMP:
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def encode_all(values):
    """``{key: text}`` for ``{key: value}`` (keys checked, values encoded)."""
    for key in values:
        if not isinstance(key, str) or not key:
            raise ValueError(f"invalid setting key: {key!r}")
    return {key: encode(key, value) for key, value in values.items()}


def decode(key, text):
    """The value of ``key`` from its stored ``text`` (None when absent).  A
    malformed value never locks the tenant out: a count or a number reads as
    0 (no limit), JSON as None."""
    kind = TYPES.get(key, TEXT)
    if text is None:
        return {FLAG: False, COUNT: 0, NUMBER: 0.0}.get(kind)
    if kind == TEXT:
        return text
    text = text.strip()
    if kind == FLAG:
        return text == "1"
    if kind == COUNT:
        try:
            return max(int(text or "0"), 0)
        except ValueError:
            return 0
    if kind == NUMBER:
        try:
            return max(float(text or "0"), 0.0)
        except ValueError:
            return 0.0
    if kind == NAMES:
        return {name.strip() for name in text.split(",") if name.strip()}
    if kind == JSON:
        try:
            return json.loads(text) if text else None
        except ValueError:
            return None
    return text or None  # TIMESTAMP


def get(settings, key):
    """``decode(key, settings.get(key))``: one value of a ``{key: text}`` read."""
    return decode(key, settings.get(key))


# -- the table ------------------------------------------------------------------
# Its columns (the master creates it, in each template, owned by its role).
COLUMNS = """key varchar PRIMARY KEY,
             value text NOT NULL,
             write_date timestamp DEFAULT (pg_catalog.now() AT TIME ZONE 'UTC')"""
EXISTS_SQL = "SELECT pg_catalog.to_regclass(%s) IS NOT NULL"
READ_SQL = f"SELECT key, value FROM {TABLE}"
READ_KEYS_SQL = f"SELECT key, value FROM {TABLE} WHERE key = ANY(%s)"
