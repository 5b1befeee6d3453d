"""One neutralisation: what a database made from another must not keep.

Used by the three kinds of copies the master makes:

- TEMPLATE: a freshly built template, before any clone is taken (run by
  ``odoo shell`` as the templates' objects owner: tools/odoo_cli.py); its
  crons stay on, its clones are tenants.  Mail servers off, the licence and
  URL-freeze parameters gone, the admin's ``admin`` password replaced, the
  assets pregenerated (clones must not rebuild them).
- COPY: a tenant's restored copy (saas_backup) or a rehearsal clone
  (saas_release), logged in as the tenant's role
  (``TenantDatabase.neutralise_copy``, through
  ``saas.instance._neutralise_copy``): Odoo's own neutralisation of every
  installed module (no mail servers, no crons, webhooks off, the database
  flagged neutralised), and a new identity.

A new identity (``identity``) is also what the customise step gives each
clone (tenant_db.py, ``customise``): a uuid and a secret of its own
(the secret signs sessions and tokens: none of the source's is worth anything
there), and its URL.  Never a role switch: each runs in a session logged in
as the database's owner.  Plain Python; only ``odoo_queries`` reads Odoo's
files (the master's Odoo, imported when it runs).
"""
import secrets
import uuid as uuid_lib

TEMPLATE, COPY = "template", "copy"
# parameters no copy of a template keeps
DROPPED_PARAMS = ("database.enterprise_code", "web.base.url.freeze",
                  "database.expiration_date")
UPSERT_PARAM = """INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s)
                  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"""


def identity(base_url=None, db_uuid=None):
    """{parameter: value} of a new identity: ``database.uuid`` (``db_uuid``
    or a new one), a new ``database.secret``, and ``web.base.url`` when
    ``base_url`` is given."""
    params = {"database.uuid": str(db_uuid or uuid_lib.uuid4()),
              "database.secret": secrets.token_hex(32)}
    if base_url:
        params["web.base.url"] = base_url.rstrip("/")
    return params


def statements(kind, odoo_queries=(), base_url=None):
    """[(query, params)] of one neutralisation of ``kind``.  ``odoo_queries``:
    Odoo's neutralisation queries of the installed modules (``odoo_queries``),
    for a COPY."""
    if kind == TEMPLATE:
        return [("UPDATE ir_mail_server SET active = false", None),  # no mail out of a copy
                ("DELETE FROM ir_config_parameter WHERE key IN %s", (DROPPED_PARAMS,))]
    if kind == COPY:
        return [(query, None) for query in odoo_queries] + [
            (UPSERT_PARAM, (key, value)) for key, value in identity(base_url).items()]
    raise ValueError(f"unknown neutralisation: {kind!r}")


def odoo_queries(cr):
    """Odoo's own neutralisation queries (each installed module's
    data/neutralize.sql), read in the database of ``cr``."""
    from odoo.modules import neutralize  # noqa: PLC0415 (the master's Odoo)
    return list(neutralize.get_neutralization_queries(neutralize.get_installed_modules(cr)))


def run(cr, kind, base_url=None):
    """Neutralise the database of ``cr`` (a session of its owner)."""
    queries = odoo_queries(cr) if kind == COPY else ()
    for query, params in statements(kind, queries, base_url):
        cr.execute(query, params)


def template_script():
    """The ``odoo shell`` script that neutralises a freshly built template:
    what needs the ORM, then the TEMPLATE statements."""
    return f"""
# Run by `odoo shell` inside a freshly built template database.
import secrets
env['ir.qweb']._pregenerate_assets_bundles()  # clones must not rebuild them
# admin/admin must not be born into every clone: customise sets the real one
env.ref('base.user_admin').password = secrets.token_urlsafe(32)
for query, params in {statements(TEMPLATE)!r}:
    env.cr.execute(query, params)
env.cr.commit()
print("NEUTRALISED")
"""
