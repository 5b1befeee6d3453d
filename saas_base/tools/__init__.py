# Plain Python helpers: nothing here may import odoo at module level, so that
# they can be used (and tested) outside a running Odoo.
