"""Plain Python (no Odoo import): storage backends, the backup archive,
retention/health policy.  Tested without a registry (tests/test_backup_lib.py)."""
