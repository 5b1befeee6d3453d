"""The whole test suite: the addons' Odoo tests, and the repo's tests/ beside
them (two processes at once, each with databases, roles and a template owner
of its own: the machine has two cores, and each part waits on PostgreSQL and
on servers of its own much of the time).  Then, while pytest goes on, each
of our addons installed alone (scripts/install_alone.py).

Prints each part's result and ends with one summary line
``N passed, N failed, N skipped``.  A skipped test counts as a failure of the
run: Odoo skips browser tests with only a warning when something is missing,
and a silently skipped test is a test that cannot fail.
"""
import os
import re
import subprocess
import threading
import time
import xml.etree.ElementTree as ET

import devtool
import install_alone

# Every database, role and filestore of a test run is named with this prefix;
# runs with different prefixes (and SAAS_TEST_HTTP_PORT) can share a cluster.
TEST_PREFIX = os.environ.get("SAAS_TEST_PREFIX", "saas_test_")
TEST_HTTP_PORT = int(os.environ.get("SAAS_TEST_HTTP_PORT", "8169"))
# tests/ run under a prefix of their own, beside the Odoo runs
PYTEST_PREFIX = os.environ.get("SAAS_PYTEST_PREFIX", TEST_PREFIX.rstrip("_") + "p_")
MASTER_TEST_ADDONS = ["saas_router", *devtool.MASTER_ADDONS]
# Odoo test runs: (database, addons to install, test tags).  saas_tenant is
# tested in a database of its own, as it is only ever installed in tenants;
# the master's addons share one database (one install of account & co).
ODOO_RUNS = [
    (TEST_PREFIX + "tenant", ["saas_tenant"], ["/saas_tenant"]),
    (TEST_PREFIX + "master", MASTER_TEST_ADDONS, ["/" + a for a in MASTER_TEST_ADDONS]),
]
# installed beside our addons in test databases, their own tests not run:
# the payment tests pay with Odoo's demo provider (never in production)
TEST_ONLY_ADDONS = {"saas_billing_contract": ["payment_demo"]}


def test_only_addons(addons):
    return [extra for addon in addons for extra in TEST_ONLY_ADDONS.get(addon, [])]
RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
SKIP_RE = re.compile(r"\bskipped \S+ : |websocket-client module is not installed")


def drop_test_databases():
    """Drop what an earlier (maybe interrupted) run left: every database of ours
    named with the test prefixes, templates included, the roles, the filestores."""
    devtool.drop_prefixed(TEST_PREFIX)
    devtool.drop_prefixed(PYTEST_PREFIX)


def test_config(prefix=TEST_PREFIX, name="test.conf", http_port=TEST_HTTP_PORT):
    return devtool.write_config(db_name=prefix + "master", http_port=http_port,
                                path=devtool.RUN_DIR / name, prefix=prefix,
                                template_owner=prefix + "tpl_owner")


def run_odoo_tests(conf, db, addons, tags, log_dir):
    log_file = log_dir / f"{db}.log"
    log_file.unlink(missing_ok=True)  # Odoo appends to its log file
    cmd = [devtool.python(), devtool.odoo_launcher(), "-c", str(conf), "-d", db, f"--db-filter=^{db}$",
           "-i", ",".join(addons + test_only_addons(addons)), "--test-enable", "--test-tags", ",".join(tags),
           "--stop-after-init", "--log-level=test", "--logfile", str(log_file),
           "--without-demo="]
    t0 = time.time()
    rc = subprocess.run(cmd).returncode
    text = log_file.read_text(errors="replace")
    passed = failed = skipped = 0
    # tenants' registries loaded by the tests report "0 tests" lines of their own
    result_re = re.compile(RESULT_RE.pattern + f" '{re.escape(db)}'")
    m = None
    for m in result_re.finditer(text):
        pass
    if m:
        f, e, total = map(int, m.groups())
        failed = f + e
        passed = total - failed
    else:
        failed = 1  # no result line: the install itself failed
    skipped = len(SKIP_RE.findall(text))
    for line in text.splitlines():
        if (" ERROR " in line or " CRITICAL " in line or "FAIL:" in line
                or SKIP_RE.search(line)):
            print("   ", line[:400])
    if rc and not failed:
        failed = 1
    print(f"[test] odoo {db}: {passed} passed, {failed} failed, {skipped} skipped "
          f"in {time.time() - t0:.0f}s (log: {log_file})", flush=True)
    return passed, failed, skipped


def run_pytest(conf, log_dir, args, prefix=TEST_PREFIX, output=None):
    junit = log_dir / "pytest.xml"
    env = dict(os.environ, SAAS_ODOO_CONF=str(conf), SAAS_TEST_PREFIX=prefix,
               SAAS_PYTHON=devtool.python(), PYTHONPATH=str(devtool.REPO))
    # pytest-odoo (installed for those who run Odoo tests under pytest) would
    # load an Odoo registry for every test: these tests start their own servers
    # test files or node ids given: only those; else the whole tests/ folder
    where = [] if any(not a.startswith("-") for a in args) else [str(devtool.REPO / "tests")]
    cmd = [devtool.python(), "-m", "pytest", "-p", "no:odoo", *where, "-q", "-rs",
           f"--junitxml={junit}", *args]
    t0 = time.time()
    junit.unlink(missing_ok=True)
    rc = subprocess.run(cmd, env=env, cwd=devtool.REPO, stdout=output,
                        stderr=subprocess.STDOUT if output else None).returncode
    passed = failed = skipped = 0
    if junit.exists():
        for suite in ET.parse(junit).getroot().iter("testsuite"):
            tests = int(suite.get("tests", 0))
            f = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            s = int(suite.get("skipped", 0))
            passed += tests - f - s
            failed += f
            skipped += s
    if rc not in (0, 5) and not failed:
        failed = 1
    print(f"[test] pytest tests/: {passed} passed, {failed} failed, {skipped} skipped "
          f"in {time.time() - t0:.0f}s", flush=True)
    return passed, failed, skipped


def run_install_alone(conf, log_dir, addons=None):
    t0 = time.time()
    try:
        passed, failed, skipped = install_alone.run(conf, TEST_PREFIX, log_dir, addons)
    except Exception as exc:  # noqa: BLE001 (reported as a failure of this part)
        print(f"[alone] stopped: {exc!r}", flush=True)
        passed, failed, skipped = 0, 1, 0
    print(f"[test] install alone: {passed} passed, {failed} failed, {skipped} skipped "
          f"in {time.time() - t0:.0f}s", flush=True)
    return passed, failed, skipped


def run_all(args):
    t0 = time.time()
    log_dir = devtool.RUN_DIR / "test-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    conf = test_config()
    drop_test_databases()
    totals = [0, 0, 0]
    # --pytest-only: no Odoo run; --no-pytest: no pytest run;
    # --addons a,b: one Odoo run of just these addons (and their tests)
    only_pytest = "--pytest-only" in args
    no_pytest = "--no-pytest" in args
    runs = ODOO_RUNS
    if "--addons" in args:
        i = args.index("--addons")
        addons = args[i + 1].split(",")
        runs = [(TEST_PREFIX + "addons", addons, ["/" + a for a in addons])]
        del args[i:i + 2]
    # each addon installed alone (scripts/install_alone.py): part of the
    # whole run; partial runs skip it unless --install-alone is given (with
    # --addons: those addons only); --install-alone-only: nothing else
    alone_only = "--install-alone-only" in args
    alone = alone_only or ("--install-alone" in args if (
        only_pytest or runs is not ODOO_RUNS) else "--no-install-alone" not in args)
    alone_addons = None if runs is ODOO_RUNS else runs[0][1]
    if alone_only:
        only_pytest, no_pytest, runs = False, True, []
    args = [a for a in args if a not in ("--pytest-only", "--no-pytest", "--install-alone",
                                         "--no-install-alone", "--install-alone-only")]
    results = []
    pytest_part = None
    if not no_pytest and not only_pytest:
        # beside the Odoo runs, its output kept until they end
        pytest_log = log_dir / "pytest.log"
        pytest_conf = test_config(PYTEST_PREFIX, "test-pytest.conf", TEST_HTTP_PORT + 1)

        def pytest_in_thread():
            with pytest_log.open("w") as out:
                results.append(run_pytest(pytest_conf, log_dir, args, PYTEST_PREFIX, out))

        pytest_part = threading.Thread(target=pytest_in_thread)
        pytest_part.start()
    if not only_pytest:
        for db, addons, tags in runs:
            results.append(run_odoo_tests(conf, db, addons, tags, log_dir))
    if alone:
        # after the Odoo runs, while pytest (the longer half) goes on
        results.append(run_install_alone(conf, log_dir, alone_addons))
    if pytest_part:
        pytest_part.join()
        print(f"[test] pytest output ({pytest_log}):")
        print(pytest_log.read_text(errors="replace"), flush=True)
    elif not no_pytest:
        results.append(run_pytest(conf, log_dir, args))
    for result in results:
        for i, n in enumerate(result):
            totals[i] += n
    drop_test_databases()
    passed, failed, skipped = totals
    print(f"[test] whole suite in {time.time() - t0:.0f}s")
    # a skipped test fails the run (see the module docstring)
    ok = failed == 0 and skipped == 0 and passed > 0
    print(f"{'PASSED' if ok else 'FAILED'}: {passed} passed, {failed} failed, {skipped} skipped")
    return 0 if ok else 1
