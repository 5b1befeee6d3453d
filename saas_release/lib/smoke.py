"""Smoke checks: the command that runs them (``runner.py`` with a
release's code) and the verdict from its output and log.  Plain Python.

A rehearsal or a promotion passes when the update succeeded, every check
passed, and Odoo's log of that run holds no ERROR (or CRITICAL) line.
"""
import json
import os
import re

from . import runner

RUNNER = os.path.abspath(runner.__file__)
REHEARSAL_CHECKS = ("login", "home", "apps", "crons")
# the real database: its crons are not run (they would act for real: mail,
# invoices); the rehearsal ran them on the clone
PROMOTE_CHECKS = ("login", "home", "apps")
_ERROR = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ", re.M)
_LINE = re.compile(r"^\d{4}-\d\d-\d\d \S+ \d+ [A-Z]+ ")
EXCERPT_LINES = 40


def command(program, conn_params, dbname, logfile, rcfile=None, update=(), checks=(),
            crons=(), role=None):
    """The runner's command line.  ``program``: {"python", "odoo_src",
    "addons_path"} of a release; ``conn_params``: the tenant's login
    (host, port, user, password)."""
    cmd = [program["python"], RUNNER, "--odoo-src", program["odoo_src"],
           "--checks", ",".join(checks), "--crons", ",".join(str(c) for c in crons)]
    if update:
        cmd += ["--update", ",".join(update)]
    if role:
        cmd += ["--role", role]
    cmd.append("--")
    if rcfile:
        cmd += ["-c", rcfile]
    if program.get("addons_path"):
        cmd += ["--addons-path", program["addons_path"]]
    cmd += ["-d", dbname, "--db-filter", f"^{re.escape(dbname)}$",
            "--db_host", str(conn_params["host"]), "--db_port", str(conn_params["port"]),
            "-r", conn_params["user"], "-w", conn_params["password"] or "",
            "--no-http", "--max-cron-threads=0", "--logfile", logfile, "--log-level=info"]
    return cmd


def parse_result(stdout):
    """The runner's result (its last ``SMOKE-RESULT`` line), or None."""
    for line in reversed((stdout or "").splitlines()):
        if line.startswith(runner.MARK):
            try:
                return json.loads(line[len(runner.MARK):])
            except ValueError:
                return None
    return None


def error_lines(log_text):
    return [line for line in (log_text or "").splitlines() if _ERROR.match(line)]


def verdict(result, log_text, returncode=0):
    """(passed, summary, excerpt): ``result`` from ``parse_result``."""
    problems = []
    if result is None:
        problems.append(f"the runner gave no result (exit code {returncode})")
    else:
        if result.get("update") not in ("ok", "skipped"):
            problems.append(f"update failed: {result.get('update')}")
        problems += [f"{c['check']} {c['name']}: {c['detail']}"
                     for c in result.get("checks", []) if not c.get("ok")]
    errors = error_lines(log_text)
    if errors:
        problems.append(f"{len(errors)} ERROR line(s) in the log")
    checks = (result or {}).get("checks", [])
    if problems:
        summary = "; ".join(problems)
    else:
        summary = f"{len(checks)} checks passed"
    return not problems, summary, excerpt(log_text, errors)


def excerpt(log_text, errors=None):
    """Each ERROR line with its traceback (the head and the end, where the
    exception's message is), else the log's tail."""
    lines = (log_text or "").splitlines()
    if errors is None:
        errors = error_lines(log_text)
    if not errors:
        return "\n".join(lines[-EXCERPT_LINES:])
    starts = [i for i, line in enumerate(lines) if _LINE.match(line)]
    picked = []
    for i in [i for i, line in enumerate(lines) if _ERROR.match(line)]:
        end = next((j for j in starts if j > i), len(lines))
        block = lines[i:end]
        if len(block) > 16:
            block = block[:4] + ["  ..."] + block[-10:]
        picked += block
    return "\n".join(picked[-3 * EXCERPT_LINES:])
