"""The wall, read in the code: nothing builds a session that acts as a
tenant by setting a role.

A session that logs in as the master and then sets the tenant's role
(``SET ROLE``, ``-c role=`` in libpq's options or PGOPTIONS, pg_dump's
``--role``) is still the master: any function of the tenant's that runs in
it may ``SET ROLE NONE``.  Every session on a tenant's objects logs in as
the tenant's role (TenantDatabase.login_params).  This test reads every
string literal of our code (docstrings apart) and fails on such a
construction outside the few places listed below, each of which works on a
template of ours (no tenant was ever in it) or resets to the master itself.
"""
import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROLE_SETTING = re.compile(
    r"(?i)(-c\s*role\s*=(?!\s*none\b)|--role\b|\bset\s+(local\s+|session\s+)?role\b(?!\s+none\b)"
    r"|\breset\s+role\b|PGOPTIONS)")
# (file, function): why it may
ALLOWED = {
    ("saas_provisioning/tools/odoo_cli.py", "_run"):
        "odoo -i/shell of a template being built, as the objects owner "
        "(checked to be that role); PGOPTIONS is removed otherwise",
    ("saas_provisioning/adapters/tenant_db.py", "prepare_template"):
        "CREATE EXTENSION in a new, empty template of ours, as its objects owner",
    ("saas_backup/lib/archive.py", "_pg_env"):
        "passes a tenant login's own options to pg_dump/psql; refuses any role option",
    ("saas_provisioning/tools/tenant_move.py", "pg_env"):
        "passes a tenant login's own options to pg_dump/pg_restore; refuses any role "
        "option (as saas_backup/lib/archive.py)",
    ("saas_release/lib/runner.py", "_args"):
        "--role names the role a scratch copy is logged in as (its name is not the "
        "copy's); a login, never SET ROLE",
    ("saas_release/lib/smoke.py", "command"):
        "passes that --role to the runner",
    ("saas_release/models/saas_instance_rehearsal.py", "_release_run"):
        "removes PGOPTIONS from the runner's environment",
    ("bench/tenant_login.py", "old_way"):
        "times the replaced construction beside the login, on a scratch database",
}


def _sources():
    for folder in sorted(REPO.iterdir()):
        if folder.is_dir() and (folder.name.startswith("saas_")
                                or folder.name in ("scripts", "bench", "deploy")):
            for path in sorted(folder.rglob("*.py")):
                if "tests" not in path.relative_to(REPO).parts:
                    yield path


def _docstrings(tree):
    nodes = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                nodes.add(id(body[0].value))
    return nodes


def _role_settings(path):
    """(function, line, text) of each string literal that sets a role."""
    tree = ast.parse(path.read_text(), str(path))
    docstrings = _docstrings(tree)
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                else function
            if (isinstance(child, ast.Constant) and isinstance(child.value, str)
                    and id(child) not in docstrings and ROLE_SETTING.search(child.value)):
                found.append((function, child.lineno, child.value.strip()[:80]))
            visit(child, name)

    visit(tree, None)
    return found


def test_no_session_acts_as_a_tenant_by_setting_a_role():
    offenders, seen = [], set()
    for path in _sources():
        rel = path.relative_to(REPO).as_posix()
        for function, line, text in _role_settings(path):
            if (rel, function) in ALLOWED:
                seen.add((rel, function))
                continue
            offenders.append(f"{rel}:{line} ({function}): {text!r}")
    assert not offenders, ("log in as the tenant's role (TenantDatabase.login_params) "
                           "instead of setting it:\n" + "\n".join(offenders))
    # the allowed places still exist (else the list is stale and hides nothing)
    assert seen == set(ALLOWED), set(ALLOWED) - seen


def test_the_check_catches_the_old_constructions(tmp_path):
    """The reader would have caught what the restore, the drill and odoo -u did."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        'import os\n'
        'def restore(role):\n'
        '    """Docstrings may say -c role= freely."""\n'
        '    env = dict(os.environ, PGOPTIONS=f"-c role={role}")\n'
        '    params = {"options": f"-c role={role} -c search_path=public"}\n'
        '    cmd = ["pg_dump", f"--role={role}"]\n'
        '    cr.execute("SET ROLE %s" % role)\n'
        '    ok = "-c role=none"\n')
    found = _role_settings(sample)
    assert [line for _f, line, _t in found] == [4, 5, 6, 7], found
