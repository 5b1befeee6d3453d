"""Rehearse the master's update from an older revision of this repository:
``./dev python scripts/update_rehearsal.py REV``, REV being what the
masters in service run (a tag, ``origin/main``, a commit).

A master is installed with REV's addons (REV's MASTER_ADDONS, demo data as
in the tests), its data counted, then updated in place with this checkout's
addons (``odoo -u`` of every installed addon of ours, the way a release
updates a master), and checked:

- the update exits 0 and logs no ERROR or CRITICAL line (Odoo commits each
  module as it loads it: an update that stops half-way leaves a master half
  updated, so this is the case to catch before a release);
- every addon of this checkout's MASTER_ADDONS is installed, none is left
  to install or to upgrade;
- no column of ours lost a value: for every table of ours (saas_*,
  contract_*, account_move*) the values each column held are still there
  (a field moved between addons keeps its column, a renamed one is
  migrated).

Prints the two timings and the result; exit 1 on any failure.  Not part of
``./dev test`` (two full installs are 2-3 minutes): run it before a release
that moves fields, views or records between addons.
"""
import ast
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import devtool

PREFIX = "saas_upd_"
MASTER = PREFIX + "master"
TABLES_LIKE = ("saas\\_%", "contract\\_%", "account\\_move%")
LEVEL_RE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")


def master_addons(tree):
    """MASTER_ADDONS as ``tree``'s scripts/devtool.py spells it."""
    source = (Path(tree) / "scripts" / "devtool.py").read_text()
    node = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Assign)
                and getattr(n.targets[0], "id", None) == "MASTER_ADDONS")
    return ast.literal_eval(node.value)


def config(name, addons_dir):
    """An Odoo configuration of the rehearsal with ``addons_dir`` as our
    addons (the old tree, or this checkout)."""
    return devtool.write_config(db_name=MASTER, http_port=8199, prefix=PREFIX,
                                path=devtool.RUN_DIR / f"update-rehearsal-{name}.conf",
                                our_addons=addons_dir)


def odoo(conf, *args):
    """Run Odoo once; returns (seconds, exit code, log)."""
    start = time.monotonic()
    res = subprocess.run([*devtool.odoo_cmd(conf), "-d", MASTER, "--stop-after-init",
                          "--log-level=info", *args], capture_output=True, text=True)
    return time.monotonic() - start, res.returncode, res.stdout + res.stderr


def column_values():
    """{(table, column): non-null values} of our tables in the master."""
    likes = " OR ".join(f"table_name LIKE '{like}'" for like in TABLES_LIKE)
    columns = devtool.psql(f"""SELECT table_name, column_name FROM information_schema.columns
                               WHERE table_schema = 'public' AND ({likes})
                               AND table_name IN (SELECT tablename FROM pg_tables)
                               ORDER BY 1, 2;""", db=MASTER).split()
    pairs = [tuple(row.split("|")) for row in columns]
    query = " UNION ALL ".join(
        f"SELECT '{t}', '{c}', count(\"{c}\") FROM \"{t}\"" for t, c in pairs)
    rows = devtool.psql(query + ";", db=MASTER).split()
    return {(t, c): int(n) for t, c, n in (row.split("|") for row in rows)}


def module_states():
    rows = devtool.psql("SELECT name, state FROM ir_module_module;", db=MASTER).split()
    return dict(row.split("|") for row in rows)


def main(rev):
    devtool.ensure_postgres()
    problems = []
    old_tree = Path(tempfile.mkdtemp(prefix="saas-upd-")) / "tree"
    subprocess.run(["git", "-C", str(devtool.REPO), "worktree", "add", "-q", "--detach",
                    str(old_tree), rev], check=True)
    try:
        devtool.drop_prefixed(PREFIX)
        old_addons = master_addons(old_tree)
        seconds, code, log = odoo(config("old", old_tree), "-i", ",".join(old_addons))
        if code:
            sys.exit(f"installing {rev}'s master failed (exit {code}):\n{log[-3000:]}")
        print(f"install of {rev}'s master ({len(old_addons)} addons): {seconds:.1f} s")
        before = column_values()
        ours = sorted(name for name, state in module_states().items()
                      if state == "installed" and name.startswith("saas_"))
        seconds, code, log = odoo(config("new", devtool.REPO), "-u", ",".join(ours))
        print(f"update to this checkout (-u {len(ours)} addons): {seconds:.1f} s")
        if code:
            problems.append(f"the update exited {code}")
        problems += [f"log: {line}" for line in log.splitlines() if LEVEL_RE.match(line)]
        states = module_states()
        problems += [f"{name} is {states.get(name, 'missing')}"
                     for name in master_addons(devtool.REPO) if states.get(name) != "installed"]
        problems += [f"{name} left {state}" for name, state in states.items()
                     if state in ("to install", "to upgrade", "to remove")]
        after = column_values()
        problems += [f"{table}.{column}: {n} value(s) before, {after.get((table, column), 0)} after"
                     for (table, column), n in sorted(before.items())
                     if n and after.get((table, column), 0) < n]
        (devtool.RUN_DIR / "update-rehearsal.log").write_text(log)
        print(f"columns of ours checked: {len(before)}; update log: "
              f"{devtool.RUN_DIR / 'update-rehearsal.log'}")
    finally:
        devtool.drop_prefixed(PREFIX)
        subprocess.run(["git", "-C", str(devtool.REPO), "worktree", "remove", "--force",
                        str(old_tree)], check=False)
    for problem in problems:
        print("FAIL", problem)
    print("update rehearsal:", "FAILED" if problems else "passed")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
