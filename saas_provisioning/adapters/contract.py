"""The master <-> tenant contract (saas_router/tenant_contract.py: the
settings table, its keys and their encoding), for the adapters.

Inside Odoo it is saas_router's module; loaded from their folder without Odoo
(tests/, bench/), the adapters take the same file by its path.
"""
import importlib.util
import sys
from pathlib import Path

if __name__.startswith("odoo.addons."):
    from odoo.addons.saas_router import tenant_contract  # noqa: F401
else:
    _NAME = "_saas_tenant_contract"
    tenant_contract = sys.modules.get(_NAME)
    if tenant_contract is None:
        _spec = importlib.util.spec_from_file_location(
            _NAME, Path(__file__).resolve().parents[2] / "saas_router" / "tenant_contract.py")
        tenant_contract = importlib.util.module_from_spec(_spec)
        sys.modules[_NAME] = tenant_contract
        _spec.loader.exec_module(tenant_contract)
