"""Static checks of the deployment files: docker-compose.yml, deploy/ and
odoo.conf.example.  The master's processes (service "odoo",
deploy/odoo.conf) and the tenants' (service "odoo-tenants",
deploy/odoo-tenants.conf) are apart, nginx sends each host to its group.

No Docker engine is needed (none runs on the CI machines): the compose file is
checked as data, the Odoo configurations with configparser (what Odoo itself
uses), and deploy/nginx.conf with ``nginx -t`` when nginx is installed.

Run: ./dev python -m pytest -p no:odoo tests/test_compose.py -q
(no database and no SAAS_ODOO_CONF needed; ``./dev test`` runs it too).
"""
import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker-compose.yml"
EXAMPLE_CONF = REPO / "odoo.conf.example"
ODOO_CONF_TARGET = "/etc/odoo/odoo.conf"
ODOO_SERVICES = ("odoo", "odoo-tenants")  # the master's processes, the tenants'
ADDONS_TARGET = "/mnt/extra-addons"
NGINX_CONF_TARGET = "/etc/nginx/nginx.conf"
INITDB_TARGET = "/docker-entrypoint-initdb.d"

# Options both configurations must agree on: they carry the architecture
# (routing, job runner, security), not the machine.
SHARED_OPTIONS = {
    "options": ["db_name", "dbfilter", "list_db", "proxy_mode", "server_wide_modules",
                "workers", "max_cron_threads", "gevent_port", "http_port"],
    "queue_job": ["channels"],
    "saas_router": ["tenant_db_prefix", "template_db_prefix", "template_owner_role"],
}


# -- helpers ----------------------------------------------------------------------

@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """Shadow pytest-odoo's autouse fixture of the same name.

    The plugin is installed in the project's virtualenv and, for every test
    it collects, loads the registry of an Odoo database. These checks need no
    database: defining the fixture here overrides the plugin's for this module.
    """
    yield


@pytest.fixture(scope="module")
def compose():
    with COMPOSE.open() as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def read_conf(path):
    # Odoo reads its file with RawConfigParser: no "%" interpolation.
    parser = configparser.RawConfigParser()
    with open(path) as f:
        parser.read_file(f)
    return parser


def as_bool(value):
    return configparser.RawConfigParser.BOOLEAN_STATES[value.strip().lower()]


def mounts(service):
    """(source, target, kind) of every volume entry, short or long syntax."""
    result = []
    for entry in service.get("volumes", []):
        if isinstance(entry, dict):
            source, target = entry.get("source"), entry["target"]
            kind = entry.get("type") or ("bind" if source and source[0] in "./~" else "volume")
        else:
            parts = entry.split(":")
            if len(parts) == 1:  # anonymous volume
                source, target, kind = None, parts[0], "volume"
            else:
                source, target = parts[0], parts[1]
                kind = "bind" if source[0] in "./~" else "volume"
        result.append((source, target, kind))
    return result


def environment(service):
    """The service's environment as a dict (list or mapping syntax)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {key: ("" if value is None else str(value)) for key, value in env.items()}


def required_variable(value):
    """Name of the variable in "${NAME:?message}" (compose refuses to start
    without it), None for anything else (a literal, or a default)."""
    match = re.fullmatch(r"\$\{(\w+):?\?[^}]*\}", value)
    return match.group(1) if match else None


def sql_code(text):
    """The script without its comments (shell "#" lines and SQL "--")."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return re.sub(r"--[^\n]*", "", "\n".join(lines))


def bind_source(source):
    return (REPO / source).resolve()


def mounted_file(services, target):
    for service in services.values():
        for source, tgt, kind in mounts(service):
            if tgt == target and kind == "bind":
                return bind_source(source)
    pytest.fail(f"nothing is mounted at {target}")


@pytest.fixture(scope="module")
def docker_conf_path(services):
    return mounted_file({"odoo": services["odoo"]}, ODOO_CONF_TARGET)


@pytest.fixture(scope="module")
def docker_conf(docker_conf_path):
    return read_conf(docker_conf_path)


@pytest.fixture(scope="module")
def tenants_conf(services):
    return read_conf(mounted_file({"odoo-tenants": services["odoo-tenants"]}, ODOO_CONF_TARGET))


@pytest.fixture(scope="module")
def example_conf():
    return read_conf(EXAMPLE_CONF)


@pytest.fixture(scope="module")
def nginx_conf_path(services):
    return mounted_file({"nginx": services["nginx"]}, NGINX_CONF_TARGET)


# -- docker-compose.yml -------------------------------------------------------------

def test_services_present(services):
    assert {"db", "odoo", "odoo-tenants", "nginx"} <= set(services)


def test_every_service_has_image_or_build(services):
    for name, service in services.items():
        assert service.get("image") or service.get("build"), name


def test_images(services):
    assert services["db"]["image"].startswith("postgres:17")  # 16 or later (README)
    assert services["nginx"]["image"].startswith("nginx:1.27")
    for name in ODOO_SERVICES:
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert services["odoo"]["image"] == services["odoo-tenants"]["image"]


def test_named_volumes_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    used = {source for service in services.values()
            for source, _target, kind in mounts(service) if kind == "volume" and source}
    assert used <= declared, f"undeclared volumes: {used - declared}"
    assert declared <= used, f"declared but unused volumes: {declared - used}"


def test_bind_mount_sources_exist(services):
    for name, service in services.items():
        for source, target, kind in mounts(service):
            if kind == "bind":
                assert bind_source(source).exists(), f"{name}: {source} -> {target}"


def test_build_context_and_dockerfile_exist(services):
    for name, service in services.items():
        build = service.get("build")
        if not build:
            continue
        if isinstance(build, str):
            build = {"context": build}
        context = (REPO / build.get("context", ".")).resolve()
        assert context.is_dir(), name
        dockerfile = context / build.get("dockerfile", "Dockerfile")
        assert dockerfile.is_file(), f"{name}: {dockerfile}"
        # Every COPY/ADD source must be inside the context.
        for line in dockerfile.read_text().splitlines():
            match = re.match(r"\s*(?:COPY|ADD)\s+(?!--from)(.+)", line)
            if match:
                for src in match.group(1).split()[:-1]:
                    if not src.startswith("--"):
                        assert (context / src).exists(), f"{name}: {src}"


def test_depends_on_names_services(services):
    for name, service in services.items():
        deps = service.get("depends_on") or []
        for dep in (deps if isinstance(deps, list) else deps.keys()):
            assert dep in services and dep != name, f"{name} -> {dep}"


def test_odoo_waits_for_healthy_db(services):
    assert services["db"].get("healthcheck"), "db needs a healthcheck"
    assert services["odoo"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_second_database_server(services, compose):
    """db2, a second PostgreSQL server for tenants: what db is (image,
    settings, roles made by the same script, healthcheck), its own data."""
    db, db2 = services["db"], services["db2"]
    assert db2["image"] == db["image"]
    assert db2["command"] == db["command"]
    assert environment(db2) == environment(db)
    assert db2["healthcheck"]["test"] == db["healthcheck"]["test"]
    initdb = [(s, t) for s, t, _k in mounts(db) if t.startswith(INITDB_TARGET)]
    assert initdb and [(s, t) for s, t, _k in mounts(db2) if t.startswith(INITDB_TARGET)] \
        == initdb
    data = {t: s for s, t, _k in mounts(db)}["/var/lib/postgresql/data"]
    data2 = {t: s for s, t, _k in mounts(db2)}["/var/lib/postgresql/data"]
    assert data2 != data and data2 in compose["volumes"]
    for name in ODOO_SERVICES:
        assert services[name]["depends_on"]["db2"]["condition"] == "service_healthy"
    assert "ports" not in db2, "only nginx is published"


@pytest.mark.parametrize("name", ODOO_SERVICES)
def test_odoo_mounts(services, name):
    targets = {target: (source, kind) for source, target, kind in mounts(services[name])}
    # Our addons, read-only, at the folder the configuration lists.
    src, kind = targets[ADDONS_TARGET]
    assert kind == "bind" and bind_source(src) == REPO
    addons_entry = next(e for e in services[name]["volumes"]
                        if isinstance(e, str) and f":{ADDONS_TARGET}" in e)
    assert addons_entry.endswith(":ro")
    # The filestore (data_dir) survives container rebuilds, one volume for
    # both groups (the master copies a clone's files, the tenants' serve them).
    assert targets["/var/lib/odoo"][1] == "volume"
    master = {target: source for source, target, _kind in mounts(services["odoo"])}
    assert targets["/var/lib/odoo"][0] == master["/var/lib/odoo"]


# -- PostgreSQL roles (README.md, "Security") ---------------------------------------

@pytest.fixture(scope="module")
def initdb_script(services):
    """The script the db service runs on its first start, and its text."""
    found = [(source, target) for source, target, kind in mounts(services["db"])
             if kind == "bind" and target.startswith(INITDB_TARGET + "/")]
    assert len(found) == 1, f"one init script in {INITDB_TARGET}/ expected: {found}"
    source, target = found[0]
    path = bind_source(source)
    assert path.is_file() and path.parent == REPO / "deploy", source
    # The image runs *.sh (and *.sql) files of the folder, in name order.
    assert target.endswith(".sh") and path.suffix == ".sh", target
    return path, path.read_text()


def test_odoo_is_not_the_superuser(services, docker_conf, tenants_conf):
    # The image makes POSTGRES_USER the cluster superuser; Odoo must connect
    # as another role, the one deploy/odoo.conf names; the tenants'
    # processes as a third one.
    superuser = environment(services["db"])["POSTGRES_USER"]
    odoo_user = environment(services["odoo"])["USER"]
    tenants_user = environment(services["odoo-tenants"])["USER"]
    assert superuser == "postgres"
    assert odoo_user == docker_conf["options"]["db_user"]
    assert tenants_user == tenants_conf["options"]["db_user"]
    assert odoo_user not in (superuser, "postgres")
    assert tenants_user not in (superuser, "postgres", odoo_user)


def test_passwords_are_required(services):
    # No default password anywhere: compose stops when one is missing.
    db_env, odoo_env = environment(services["db"]), environment(services["odoo"])
    tenants_env = environment(services["odoo-tenants"])
    assert required_variable(db_env["POSTGRES_PASSWORD"]) == "POSTGRES_ADMIN_PASSWORD"
    assert required_variable(odoo_env["PASSWORD"]) == "POSTGRES_PASSWORD"
    assert required_variable(tenants_env["PASSWORD"]) == "SAAS_TENANTS_DB_PASSWORD"
    assert required_variable(tenants_env["SAAS_ROUTE_MAP_PASSWORD"]) == "SAAS_ROUTE_MAP_PASSWORD"


def test_initdb_script_creates_odoo_role(services, initdb_script, docker_conf):
    path, text = initdb_script
    code = sql_code(text)
    role = docker_conf["options"]["db_user"]
    create = re.search(rf"CREATE\s+ROLE\s+{role}\b([^;]*);", code, re.I)
    assert create, f"{path.name} does not create the role {role}"
    attributes = create.group(1).upper().split()
    for attribute in ("LOGIN", "CREATEDB", "CREATEROLE", "NOSUPERUSER"):
        assert attribute in attributes, attribute
    # Never a superuser, nor any attribute that bypasses privileges.
    assert not re.search(r"(?<!NO)\b(SUPERUSER|BYPASSRLS|REPLICATION)\b", code, re.I)
    assert re.search(rf"GRANT\s+pg_signal_backend\s+TO\s+{role}\s*;", code, re.I)
    # The passwords reach the script through the db service's environment,
    # from the same variables the odoo services use.
    variables = set(re.findall(r"\$\{?(SAAS_\w+)", text))
    db_env, odoo_env = environment(services["db"]), environment(services["odoo"])
    tenants_env = environment(services["odoo-tenants"])
    assert variables and variables <= set(db_env), variables
    assert db_env["SAAS_ODOO_DB_PASSWORD"] == odoo_env["PASSWORD"]
    assert db_env["SAAS_TENANTS_DB_PASSWORD"] == tenants_env["PASSWORD"]
    assert db_env["SAAS_ROUTE_MAP_PASSWORD"] == tenants_env["SAAS_ROUTE_MAP_PASSWORD"]
    entry = next(e for e in services["db"]["volumes"]
                 if isinstance(e, str) and f":{INITDB_TARGET}/" in e)
    assert entry.endswith(":ro")


def test_initdb_script_creates_the_tenants_roles(initdb_script, tenants_conf):
    """The tenants' processes' db_user and the route map's reader: LOGIN and
    nothing else, granted nothing here (the master grants the reader its
    map at each start: saas_router's saas.route)."""
    _path, text = initdb_script
    code = sql_code(text)
    for role in (tenants_conf["options"]["db_user"], tenants_conf["saas_router"]["route_map_user"]):
        create = re.search(rf"CREATE\s+ROLE\s+{role}\b([^;]*);", code, re.I)
        assert create, role
        attributes = create.group(1).upper().split()
        for attribute in ("LOGIN", "NOCREATEDB", "NOCREATEROLE", "NOSUPERUSER", "NOINHERIT"):
            assert attribute in attributes, (role, attribute)
        assert not re.search(rf"\bGRANT\b[^;]*\bTO\s+{role}\b", code, re.I), role
        assert not re.search(rf"\bGRANT\s+{role}\b", code, re.I), role


def test_db_healthcheck_waits_for_init(services):
    # During the init scripts the image's temporary server listens on the
    # Unix socket only: a TCP check turns healthy after they ran.
    check = " ".join(services["db"]["healthcheck"]["test"])
    assert "pg_isready" in check and re.search(r"-h\s+(127\.0\.0\.1|localhost)\b", check)


@pytest.mark.parametrize("name", ODOO_SERVICES)
def test_odoo_gets_tenant_role_secret(services, name):
    env = environment(services[name])
    assert required_variable(env.get("SAAS_TENANT_ROLE_SECRET", "")) == "SAAS_TENANT_ROLE_SECRET"


def test_the_tenants_wait_for_the_master(services):
    # the master's processes grant the route map's reader at their start
    assert services["odoo-tenants"]["depends_on"]["odoo"]["condition"] == "service_healthy"
    assert set(services["nginx"]["depends_on"]) >= set(ODOO_SERVICES)


def test_dockerfile_installs_oca_requirements(services):
    dockerfile = (REPO / services["odoo"]["build"]["dockerfile"]).read_text()
    assert re.search(r"^ARG ODOO_IMAGE=odoo:18\b", dockerfile, re.M)
    assert re.search(r"^FROM \$\{ODOO_IMAGE\}", dockerfile, re.M)
    assert "requirements.txt" in dockerfile and "pip3 install" in dockerfile
    requirements = (REPO / "requirements.txt").read_text()
    assert re.search(r"^odoo-addon-queue_job==", requirements, re.M)


def test_repository_addons(services):
    # The folder mounted at /mnt/extra-addons holds our addons.
    addons = {p.parent.name for p in REPO.glob("*/__manifest__.py")}
    assert {"saas_base", "saas_router"} <= addons, f"found {sorted(addons)}"


# -- Odoo configurations -----------------------------------------------------------

@pytest.mark.parametrize("which", ["docker", "example"])
def test_key_options(which, docker_conf, example_conf):
    conf = docker_conf if which == "docker" else example_conf
    options = conf["options"]
    modules = [m.strip() for m in options["server_wide_modules"].split(",")]
    assert {"base", "web", "queue_job", "saas_router"} <= set(modules)
    assert as_bool(options["list_db"]) is False
    assert as_bool(options["proxy_mode"]) is True
    assert int(options["workers"]) > 0
    assert options["db_name"] == "saas_master"
    # Without a dbfilter Odoo lists only db_name and never sees a tenant
    # database; the filter must admit the master and no tenant.
    dbfilter = re.compile(options["dbfilter"])
    assert dbfilter.match("saas_master")
    assert not dbfilter.match("saas_t_acme") and not dbfilter.match("saas_master_x")
    assert "queue_job" in conf and "root.saas_clone" in conf["queue_job"]["channels"]
    # The job runner must reach Odoo with a host saas_router sends to the
    # master: a name without a dot.
    assert "." not in conf["queue_job"].get("host", "localhost")
    assert conf["saas_router"]["tenant_db_prefix"] == "saas_t_"
    for limit in ("limit_memory_soft", "limit_memory_hard", "limit_time_cpu", "limit_time_real"):
        assert int(options[limit]) > 0, limit


def test_tenants_conf(docker_conf, tenants_conf):
    """The tenants' processes: tenant hosts only, no database of their own,
    no job runner, their own role, the map read through its reader."""
    master, tenants = docker_conf, tenants_conf
    assert master["saas_router"]["serve"] == "master"
    assert tenants["saas_router"]["serve"] == "tenants"
    assert tenants["options"].get("db_name", "") == ""
    assert tenants["saas_router"]["master_db"] == master["options"]["db_name"]
    assert tenants["queue_job"]["channels"].strip() == "root:0"
    assert tenants["saas_router"]["route_map_user"] == master["saas_router"]["route_map_user"]
    assert "route_map_password" not in tenants["saas_router"]  # from the environment
    assert tenants["options"]["db_user"] != master["options"]["db_user"]
    options = tenants["options"]
    assert as_bool(options["list_db"]) is False and as_bool(options["proxy_mode"]) is True
    assert int(options["workers"]) > 0
    for limit in ("limit_memory_soft", "limit_memory_hard", "limit_time_cpu", "limit_time_real"):
        assert int(options[limit]) > 0, limit
    for section, keys in {"options": ["server_wide_modules", "addons_path", "data_dir",
                                      "db_host", "db_port", "http_port", "gevent_port"],
                          "saas_router": ["base_domain", "tenant_db_prefix",
                                          "template_db_prefix", "template_owner_role"]}.items():
        for key in keys:
            assert tenants[section][key] == master[section][key], f"[{section}] {key}"


def test_configs_agree(docker_conf, example_conf):
    for section, keys in SHARED_OPTIONS.items():
        for key in keys:
            assert docker_conf[section][key] == example_conf[section][key], f"[{section}] {key}"


def test_prefix_matches_router_default(example_conf):
    routing = (REPO / "saas_router" / "routing.py").read_text()
    default = re.search(r'^DEFAULT_PREFIX = "([^"]+)"', routing, re.M).group(1)
    assert example_conf["saas_router"]["tenant_db_prefix"] == default
    default = re.search(r'^DEFAULT_TEMPLATE_PREFIX = "([^"]+)"', routing, re.M).group(1)
    assert example_conf["saas_router"]["template_db_prefix"] == default


@pytest.mark.parametrize("which", ["docker", "tenants", "example"])
def test_saas_router_security_options(which, docker_conf, tenants_conf, example_conf):
    conf = {"docker": docker_conf, "tenants": tenants_conf,
            "example": example_conf}[which]["saas_router"]
    # Required: without it any host's first label is taken for a tenant.
    domain = conf.get("base_domain", "").strip()
    assert domain and not domain.startswith(".") and ":" not in domain
    prefixes = (conf["tenant_db_prefix"], conf["template_db_prefix"])
    assert not prefixes[0].startswith(prefixes[1]) and not prefixes[1].startswith(prefixes[0])
    owner = conf["template_owner_role"]
    assert owner and not owner.startswith(prefixes) and not owner.startswith("pg_")
    # A secret is never committed: it comes from the environment or from an
    # uncommitted copy of the example.
    assert "tenant_role_secret" not in conf


def test_docker_base_domain_matches_nginx(docker_conf, tenants_conf, nginx_conf_path):
    # nginx answers <label>.<base_domain> only (its tenant server_name).
    domain = docker_conf["saas_router"]["base_domain"]
    assert tenants_conf["saas_router"]["base_domain"] == domain
    assert "\\." + domain.replace(".", "\\.") + "$;" in nginx_conf_path.read_text()


def test_docker_conf_fits_compose(docker_conf, services):
    options = docker_conf["options"]
    assert options["db_host"] == "db" and "db" in services
    paths = [p.strip() for p in options["addons_path"].split(",")]
    assert ADDONS_TARGET in paths
    odoo_volumes = {target: source for source, target, _kind in mounts(services["odoo"])}
    assert options["data_dir"] in odoo_volumes


@pytest.mark.parametrize("path", [EXAMPLE_CONF, REPO / "deploy" / "odoo.conf",
                                  REPO / "deploy" / "odoo-tenants.conf"],
                         ids=["example", "docker", "tenants"])
def test_every_option_is_commented(path):
    previous = ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", ";", "[")):
            assert previous.startswith("#"), f"no comment above: {stripped}"
        if stripped:
            previous = stripped


# -- nginx ---------------------------------------------------------------------------

def test_nginx_routes_and_headers(nginx_conf_path, docker_conf, services):
    text = nginx_conf_path.read_text()
    assert "proxy_set_header Host $saas_host;" in text
    for header in ("X-Forwarded-Host", "X-Forwarded-For", "X-Forwarded-Proto"):
        assert f"proxy_set_header {header} " in text
    assert "client_max_body_size" in text
    websocket = re.search(r"location /websocket \{(.*?)\n        \}", text, re.S).group(1)
    assert "proxy_http_version 1.1;" in websocket
    assert "proxy_set_header Upgrade $http_upgrade;" in websocket
    assert "proxy_set_header Host $saas_host;" in websocket
    # Upstreams point at the odoo services, on the ports Odoo listens to.
    upstreams = dict(re.findall(r"upstream (\w+) \{\s*server ([\w.-]+:\d+);", text))
    options = docker_conf["options"]
    assert set(upstreams.values()) == {f"{name}:{options[port]}" for name in ODOO_SERVICES
                                       for port in ("http_port", "gevent_port")}
    for block in re.findall(r"location /websocket \{(.*?)\n        \}", text, re.S):
        websocket_upstream = re.search(r"proxy_pass http://(\w+);", block).group(1)
        assert upstreams[websocket_upstream].endswith(f":{options['gevent_port']}")


def _servers(text):
    """{server_name: (listen, {location: upstream host})} of nginx.conf."""
    servers = {}
    for block in re.split(r"\n    server \{", text)[1:]:
        names = re.search(r"server_name ([^;]+);", block).group(1)
        listen = re.search(r"listen ([^;]+);", block).group(1)
        passes = dict(re.findall(r"location (\S+) \{\s*proxy_pass http://(\w+);", block))
        servers[names] = (listen, passes)
    return servers


def test_nginx_sends_each_host_to_its_group(nginx_conf_path, docker_conf):
    text = nginx_conf_path.read_text()
    upstreams = dict(re.findall(r"upstream (\w+) \{\s*server ([\w.-]+):\d+;", text))
    servers = _servers(text)
    domain = docker_conf["saas_router"]["base_domain"]
    # the master's names (routing.master_hosts: base_domain and its www.)
    master = servers[f"{domain} www.{domain}"]
    assert {upstreams[u] for u in master[1].values()} == {"odoo"}
    assert set(master[1]) == {"/", "/websocket"}
    # every other host, by default: the tenants' processes
    (tenants,) = [server for names, server in servers.items() if "default_server" in server[0]]
    assert {upstreams[u] for u in tenants[1].values()} == {"odoo-tenants"}
    assert set(tenants[1]) == {"/", "/websocket"}
    assert len(servers) == 2


def test_nginx_tenant_server_name(nginx_conf_path):
    text = nginx_conf_path.read_text()
    regex = re.search(r"server_name [^;]*~(\^\(\?<sub>[^;\s]+)", text).group(1)
    pattern = re.compile(regex.replace("(?<sub>", "(?P<sub>"))
    assert pattern.match("acme-2.localhost").group("sub") == "acme-2"
    assert not pattern.match("localhost")
    assert not pattern.match("a.b.localhost")
    assert not pattern.match("acme.localhost.evil.com")


def test_nginx_config_is_valid(nginx_conf_path, tmp_path):
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None)
    if not nginx:
        pytest.skip("nginx is not installed (apt-get install -y nginx)")
    # "odoo" resolves only on the compose network, and nginx resolves
    # upstream names at load time: point them at loopback in a copy.
    text = re.sub(r"(\bserver\s+)odoo(?:-tenants)?(:\d+)", r"\g<1>127.0.0.1\2",
                  nginx_conf_path.read_text())
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    (tmp_path / "logs").mkdir()
    result = subprocess.run(
        [nginx, "-t", "-q", "-c", str(conf), "-p", f"{tmp_path}/",
         "-g", f"pid {tmp_path}/nginx.pid;"],
        capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
