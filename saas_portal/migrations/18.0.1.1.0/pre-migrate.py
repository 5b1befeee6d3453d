"""18.0.1.1.0: the billing and single sign-on pages moved to their addons
(issue 27), so the instance page lost elements that this addon's own
extensions of it (the health section) pointed at.  Odoo validates the new
page with the extensions of the module being updated as they still are in
the database, before their files are read: they would not apply and the
update would stop.  Each extension of ours is emptied here; reading this
module's files gives the ones that remain their new content, and the end of
the update deletes the ones that moved (their new copies come with
saas_billing_contract and saas_sso)."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        UPDATE ir_ui_view v SET arch_db = jsonb_build_object('en_US', '<data/>')
          FROM ir_model_data d
         WHERE d.model = 'ir.ui.view' AND d.res_id = v.id AND d.module = 'saas_portal'
           AND v.inherit_id IS NOT NULL AND v.mode = 'extension'""")
