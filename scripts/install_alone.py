"""Each of our addons installed alone, with only what its manifest declares,
in a database of its own: the check that catches an undeclared dependency
(all master addons share one database in the Odoo test run, so a model or
view of another addon is always there).

One database is initialised once with `base` (and what every Odoo database
gets with it: the auto-installed `web` & co), then cloned with CREATE
DATABASE ... TEMPLATE for each addon, which `odoo -i <addon>` then installs
into (demo data as in the test runs, no tests).  A small pool runs the
installs side by side.  An install fails on a non-zero exit, an ERROR or
CRITICAL line, or a warning that means a missing dependency.
"""
import ast
import os
import re
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import devtool

# warnings of Odoo's that an undeclared dependency produces (the rest are
# errors, or a failed install)
MISSING_DEPENDENCY_RE = re.compile(
    r"unknown comodel_name|not installable, skipped|dependencies or manifest may be missing"
    r"|inconsistent states")
LEVEL_RE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL|WARNING) ")
# installs side by side: each is one CPU-bound Odoo process (2 on this
# project's 2-core machines; SAAS_TEST_ALONE_JOBS to choose)
POOL = int(os.environ.get("SAAS_TEST_ALONE_JOBS") or min(4, os.cpu_count() or 1))


def manifest(path):
    try:
        return ast.literal_eval((path / "__manifest__.py").read_text())
    except (OSError, SyntaxError, ValueError):
        return None


def our_addons():
    """saas_router, the master's addons (devtool.MASTER_ADDONS, in their
    order), saas_tenant, and any other installable addon at the repository's
    root (a new bridge is checked before it is listed anywhere)."""
    names = ["saas_router", *devtool.MASTER_ADDONS, "saas_tenant"]
    for path in sorted(devtool.REPO.iterdir()):
        info = manifest(path) if path.is_dir() else None
        if info is not None and info.get("installable", True) and path.name not in names:
            names.append(path.name)
    return list(dict.fromkeys(names))


def addon_dirs():
    """Every folder that holds addons: Odoo's, the OCA wheels' (the
    virtualenv's odoo/addons), ours."""
    venv_addons = sorted(Path(devtool.venv_dir()).glob("lib/python3*/site-packages/odoo/addons"))
    return [*devtool.odoo_addon_dirs(), *venv_addons, devtool.REPO]


def closure(addon, dirs):
    """The modules ``addon`` needs, itself included, read from the manifests
    (to start the longest installs first; the database says what was
    actually installed)."""
    seen, todo = set(), [addon]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for folder in dirs:
            info = manifest(folder / name)
            if info is not None:
                todo.extend(info.get("depends", []))
                break
    return seen


def installed_modules(db):
    return set(devtool.psql("SELECT name FROM ir_module_module WHERE state = 'installed';",
                            db=db).split())


def filestore(db):
    return devtool.RUN_DIR / "filestore-root" / "filestore" / db


def drop(db):
    devtool.psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE);')
    shutil.rmtree(filestore(db), ignore_errors=True)


def odoo_install(conf, db, modules, log_file):
    """``odoo -i modules`` into ``db`` (made when missing); returns the
    reasons it failed (empty when it did not)."""
    log_file.unlink(missing_ok=True)  # Odoo appends to its log file
    cmd = [devtool.python(), devtool.odoo_launcher(), "-c", str(conf), "-d", db,
           f"--db-filter=^{db}$", "-i", modules, "--stop-after-init", "--without-demo=",
           "--no-http", "--log-level=warn", "--logfile", str(log_file)]
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT).returncode
    text = log_file.read_text(errors="replace") if log_file.exists() else ""
    problems = []
    for line in text.splitlines():
        level = LEVEL_RE.match(line)
        if level and (level.group(1) != "WARNING" or MISSING_DEPENDENCY_RE.search(line)):
            problems.append(line[:400])
    if rc:
        problems.append(f"odoo exited with {rc}" + ("" if problems else ": " + " | ".join(
            text.strip().splitlines()[-5:])[-800:]))
    return problems


def run(conf, prefix, log_dir, addons=None, jobs=POOL):
    """Install each of ``addons`` (default: ``our_addons()``) alone, ``jobs``
    at a time; prints a line per addon and the wall time the part took.
    Returns (passed, failed, skipped) as the other parts of the run do."""
    t0 = time.time()
    addons = addons or our_addons()
    base_db = prefix + "alone_base"
    drop(base_db)
    problems = odoo_install(conf, base_db, "base", log_dir / f"{base_db}.log")
    if problems:
        print(f"[alone] the base database could not be made in {time.time() - t0:.0f}s:")
        for line in problems[-30:]:
            print("   ", line)
        return 0, len(addons), 0
    base = installed_modules(base_db)
    print(f"[alone] base database {base_db}: {len(base)} modules in {time.time() - t0:.0f}s",
          flush=True)
    dirs = addon_dirs()
    # longest first (most modules to install), so that the pool ends together
    order = sorted(addons, key=lambda a: -len(closure(a, dirs) - base))
    clone_lock = threading.Lock()

    def install(addon):
        db = f"{prefix}alone_{addon}"
        started = time.time()
        with clone_lock:  # the template may have no other session while it is copied
            drop(db)
            devtool.psql(f'CREATE DATABASE "{db}" TEMPLATE "{base_db}";')
            if filestore(base_db).is_dir():
                shutil.copytree(filestore(base_db), filestore(db), copy_function=os.link)
        problems = odoo_install(conf, db, addon, log_dir / f"{db}.log")
        new = installed_modules(db) - base if not problems else set()
        if not problems and addon not in new:
            problems.append(f"{addon} is not installed after `-i {addon}`")
        seconds = time.time() - started
        drop(db)
        return addon, seconds, new, problems

    failed = []
    busy = 0.0
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for done in as_completed([pool.submit(install, addon) for addon in order]):
            addon, seconds, new, problems = done.result()
            busy += seconds
            if problems:
                failed.append(addon)
                print(f"[alone] {addon:<22} FAILED in {seconds:4.0f}s "
                      f"(log: {log_dir / f'{prefix}alone_{addon}.log'}):", flush=True)
                for line in problems[-30:]:
                    print("   ", line)
                continue
            ours = sorted(n for n in new if (devtool.REPO / n).is_dir())
            print(f"[alone] {addon:<22} ok in {seconds:4.0f}s, {len(new):3d} modules installed "
                  f"({len(new) - len(ours)} of Odoo/OCA, ours: {', '.join(ours)})", flush=True)
    drop(base_db)
    print(f"[alone] {len(addons) - len(failed)} of {len(addons)} addons installed alone in "
          f"{time.time() - t0:.0f}s wall ({busy:.0f}s of installs, {jobs} at a time)", flush=True)
    return len(addons) - len(failed), len(failed), 0
