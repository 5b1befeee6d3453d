"""The master <-> tenant contract (saas_router/tenant_contract.py) without
Odoo: each value type written and read back, malformed values read safely,
and the table and keys spelled in that one place only."""
import datetime
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from plainimport import load_file  # noqa: E402

contract = load_file("_saas_tenant_contract_test", REPO / "saas_router" / "tenant_contract.py")


@pytest.mark.parametrize("key, value, text", [
    (contract.SUSPENDED, True, "1"),
    (contract.SUSPENDED, False, "0"),
    (contract.MAX_USERS, 7, "7"),
    (contract.MAX_STORAGE_MB, 0, "0"),
    (contract.STORAGE_USED_MB, 12.34567, "12.346"),
    (contract.SUSPENDED_REASON, "Unpaid invoice", "Unpaid invoice"),
    (contract.ALLOWED_MODULES, ["sale", "crm"], "sale,crm"),
    (contract.STORAGE_PLANS, [{"name": "S", "max_storage_mb": 100}],
     '[{"max_storage_mb": 100, "name": "S"}]'),
    (contract.STORAGE_MEASURED_AT, datetime.datetime(2026, 3, 1, 12, 5, 9),
     "2026-03-01 12:05:09"),
])
def test_each_type_is_written_as_text_and_read_back(key, value, text):
    assert contract.encode(key, value) == text
    decoded = contract.decode(key, text)
    if key == contract.ALLOWED_MODULES:
        assert decoded == set(value)
    elif key == contract.STORAGE_MEASURED_AT:
        assert decoded == text
    elif key == contract.STORAGE_USED_MB:
        assert decoded == pytest.approx(value, abs=1e-3)
    else:
        assert decoded == value


def test_text_passes_as_it_is_and_none_deletes():
    assert contract.encode(contract.MAX_USERS, "10") == "10"
    assert contract.encode(contract.SUSPENDED, None) is None
    assert contract.encode_all({contract.SUSPENDED: True, contract.SUSPENDED_REASON: None}) == {
        "suspended": "1", "suspended_reason": None}


@pytest.mark.parametrize("key", ["", None, 3])
def test_a_bad_key_is_refused(key):
    with pytest.raises(ValueError, match="invalid setting key"):
        contract.encode_all({key: "x"})


@pytest.mark.parametrize("key, text, value", [
    # a malformed value never locks the tenant out
    (contract.MAX_USERS, "ten", 0),
    (contract.MAX_USERS, "-3", 0),
    (contract.MAX_USERS, " 5 ", 5),
    (contract.STORAGE_USED_MB, "lots", 0.0),
    (contract.SUSPENDED, " 1 ", True),
    (contract.SUSPENDED, "yes", False),
    (contract.STORAGE_PLANS, "[not json", None),
    (contract.STORAGE_MEASURED_AT, "  ", None),
    # absent
    (contract.SUSPENDED, None, False),
    (contract.MAX_STORAGE_MB, None, 0),
    (contract.ALLOWED_MODULES, None, None),
    (contract.SSO_ISSUER, None, None),
    # an empty list of modules is a list (nothing allowed), not "no policy"
    (contract.BASE_MODULES, "", set()),
    (contract.BASE_MODULES, " a, ,b ", {"a", "b"}),
])
def test_reading_a_value(key, text, value):
    assert contract.decode(key, text) == value
    assert contract.get({key: text} if text is not None else {}, key) == value


def test_every_key_has_a_type():
    keys = {value for name, value in vars(contract).items()
            if name.isupper() and isinstance(value, str) and name not in (
                "SCHEMA", "TABLE", "COLUMNS", "EXISTS_SQL", "READ_SQL", "READ_KEYS_SQL")
            and value not in contract.TYPES.values()}
    assert keys == set(contract.TYPES)


def test_the_table_and_the_keys_are_spelled_in_the_contract_only():
    """Outside the contract, code names the table and the keys through it
    (comments and docstrings may name them).  Keys that are also the name
    of a field or a state (``suspended``, ``max_users``...) are left out."""
    shared = {contract.SUSPENDED, contract.MAX_USERS, contract.MAX_STORAGE_MB,
              contract.BASE_MODULES}
    spelled = re.compile(r"""["'](%s)["']""" % "|".join(
        re.escape(name) for name in [contract.TABLE, *(set(contract.TYPES) - shared)]))
    found = []
    for path in REPO.glob("saas_*/**/*.py"):
        rel = path.relative_to(REPO).as_posix()
        if "/tests/" in rel or rel == "saas_router/tenant_contract.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if spelled.search(line.split("#", 1)[0]):
                found.append(f"{rel}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
