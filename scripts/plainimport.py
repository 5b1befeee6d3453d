"""Import an addon's plain-Python parts (no Odoo) from their files: an
addon's __init__.py imports Odoo models, which tests/ and bench/ must not
run.  Each is registered in sys.modules under the private name given."""
import importlib.util
import sys
import types


def load_file(name, path):
    """The module in file ``path``, as ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_package(name, folder):
    """The package in ``folder`` (its relative imports work), as ``name``."""
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_folder(name, folder):
    """The addon folder ``folder`` as a package named ``name`` whose
    __init__.py is NOT run (it imports Odoo models): its plain modules are
    then imported as ``name.module`` (their relative imports work)."""
    package = types.ModuleType(name)
    package.__path__ = [str(folder)]
    sys.modules[name] = package
    return package
