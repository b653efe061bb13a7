"""Static checks of the production deployment (deploy/): no Docker needed.

No Docker engine runs where these tests run, so nothing here starts a
container: the files are parsed and cross-checked (compose services, the
variables of .env.example, the nginx upstream, the CKAN ini and its plugins,
the Dockerfile), and the two shell scripts are run where they can be run
without Docker (the entrypoint's checks before it waits for services, the
Solr schema patch on CKAN's real schema.xml).

Run: PYTHONPATH=ckanext-amp python -m pytest tests/deploy -q -p no:ckan -p no:ckan_fixtures
"""
from __future__ import annotations

import ast
import configparser
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"
DOCKERFILE = DEPLOY / "Dockerfile"
INI = DEPLOY / "ckan.ini"
ENTRYPOINT = DEPLOY / "entrypoint.sh"
NGINX = DEPLOY / "nginx" / "ckan.conf"
SOLR_FIELDS = DEPLOY / "solr" / "spatial-fields.xml"
SOLR_START = DEPLOY / "solr" / "start-solr.sh"
GUIDE = ROOT / "docs" / "operators-guide.md"

REQUIRED_SERVICES = {"ckan", "harvest-gather", "harvest-fetch", "scheduler", "jobs",
                     "db", "solr", "redis", "proxy"}
CKAN_SERVICES = {"ckan", "harvest-gather", "harvest-fetch", "scheduler", "jobs"}
# Services that run once and exit need no healthcheck; this stack has none.
ONE_SHOT_SERVICES: set[str] = set()
def _portal_plugins() -> list[str]:
    """The plugins of `make run` (portal.ini): production runs the same bundle."""
    from ckanext.amp.stack import ckan_ini

    return ckan_ini.enabled_plugins(ckan_ini.BASE_INI)


BUNDLE_PLUGINS = _portal_plugins()
# ${VAR}, ${VAR:-default}, ${VAR:?message}, ${VAR-default}; not $${...} (escaped).
COMPOSE_VAR = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?\-+][^}]*)?\}")
INI_VAR = re.compile(r"%\(([A-Za-z_][A-Za-z0-9_]*)\)s")
ENV_ASSIGNMENT = re.compile(r"^\s*(?:#\s*)?([A-Z_][A-Z0-9_]*)=(.*)$")

# Values a test environment gives to every variable the ini interpolates.
FAKE_ENV = {
    "CKAN_SITE_URL": "https://data.example.org",
    "CKAN_SQLALCHEMY_URL": "postgresql://ckan:0123abcd@db:5432/ckan",
    "CKAN_REDIS_URL": "redis://redis:6379/0",
    "CKAN_SOLR_URL": "http://solr:8983/solr/ckan",
    "CKAN_SECRET_KEY": "a1" * 32,
    "CKAN_JWT_SECRET": "b2" * 32,
    "CKAN_SECURE_COOKIES": "true",
}


# ----------------------------------------------------------------- helpers

@pytest.fixture(scope="module")
def compose() -> dict:
    with COMPOSE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def env_example_entries() -> dict[str, tuple[str, list[str]]]:
    """VAR -> (value, comment lines right above it) for every assignment."""
    entries: dict[str, tuple[str, list[str]]] = {}
    comments: list[str] = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = ENV_ASSIGNMENT.match(line)
        if match:
            entries[match.group(1)] = (match.group(2), list(comments))
            continue
        if line.strip().startswith("#"):
            text = line.strip().lstrip("#").strip()
            if text and not set(text) <= set("-= "):
                comments.append(text)
            continue
        comments = []
    return entries


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in _strings(key) + _strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return []


def compose_variables() -> set[str]:
    """Variables compose interpolates: in the parsed YAML values (not comments)."""
    with COMPOSE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return {name for text in _strings(data) for name in COMPOSE_VAR.findall(text)}


def ini_variables() -> set[str]:
    """Environment variables the [app:main] options interpolate."""
    parser = raw_ini()
    return {name for value in parser["app:main"].values() for name in INI_VAR.findall(value)}


def depends_on_names(service: dict) -> list[str]:
    deps = service.get("depends_on") or []
    return list(deps) if isinstance(deps, (list, dict)) else []


def load_ini_with_ckan(env: dict[str, str], monkeypatch) -> dict:
    """Read deploy/ckan.ini exactly as CKAN 2.11 does (CKANConfigLoader)."""
    from ckan.cli import CKANConfigLoader

    for name in list(os.environ):
        if name.startswith("CKAN_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return CKANConfigLoader(str(INI)).get_config()


def raw_ini() -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    parser.optionxform = str  # keep SECRET_KEY & co. as written
    assert parser.read(INI, encoding="utf-8") == [str(INI)]
    return parser


def setup_py_plugins() -> dict[str, str]:
    """ckan.plugins entry points declared in the repository's setup.py."""
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    declared: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == "ckan.plugins" \
                        and isinstance(value, (ast.List, ast.Tuple)):
                    for item in value.elts:
                        name, target = (part.strip() for part in item.value.split("=", 1))
                        declared[name] = target
    return declared


# ----------------------------------------------------------------- compose

def test_compose_has_every_service_of_the_stack(services):
    missing = REQUIRED_SERVICES - set(services)
    assert not missing, f"services missing from compose.yaml: {sorted(missing)}"


def test_every_service_has_an_image_or_a_build(services):
    lacking = [name for name, svc in services.items()
               if not svc.get("image") and not svc.get("build")]
    assert not lacking, f"no image and no build: {lacking}"


def test_ckan_containers_are_built_from_the_deploy_dockerfile(services):
    for name in CKAN_SERVICES:
        build = services[name].get("build")
        assert isinstance(build, dict), f"{name} has no build section"
        assert build.get("dockerfile") == "deploy/Dockerfile", name
        context = (DEPLOY / build.get("context", ".")).resolve()
        assert (context / build["dockerfile"]).is_file(), f"{name}: {context / build['dockerfile']}"
        assert (context / "setup.py").is_file(), f"{name}: build context is not the repository root"


def test_backing_services_use_the_agreed_images(services):
    def default_of(image: str) -> str:
        match = re.fullmatch(r"\$\{[A-Z_]+:-([^}]+)\}", image)
        return match.group(1) if match else image

    assert default_of(services["db"]["image"]).startswith("postgis/postgis:16-")
    assert default_of(services["solr"]["image"]) == "ckan/ckan-solr:2.11-solr9"
    assert default_of(services["redis"]["image"]).startswith("redis:7")
    assert default_of(services["proxy"]["image"]).startswith("nginx:")


def test_every_long_running_service_has_a_healthcheck(services):
    lacking = []
    for name, svc in services.items():
        if name in ONE_SHOT_SERVICES:
            continue
        check = svc.get("healthcheck") or {}
        test = check.get("test")
        if check.get("disable") or not test or test == ["NONE"]:
            lacking.append(name)
    assert not lacking, f"no healthcheck: {lacking}"


def test_every_depends_on_target_exists_and_waits_for_health(services):
    for name, svc in services.items():
        deps = svc.get("depends_on") or {}
        for dep in depends_on_names(svc):
            assert dep in services, f"{name} depends on unknown service {dep!r}"
            assert dep != name, f"{name} depends on itself"
            assert isinstance(deps, dict), f"{name}: depends_on must use conditions"
            assert deps[dep].get("condition") == "service_healthy", f"{name} -> {dep}"
            assert services[dep].get("healthcheck"), f"{name} waits for the health of {dep}, which has no healthcheck"


def test_dependency_graph_has_no_cycle(services):
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        if state.get(node) == "done":
            return
        assert state.get(node) != "active", f"dependency cycle: {' -> '.join(path + [node])}"
        state[node] = "active"
        for dep in depends_on_names(services[node]):
            visit(dep, path + [node])
        state[node] = "done"

    for name in services:
        visit(name, [])


def test_web_waits_for_its_backing_services_and_workers_wait_for_web(services):
    assert set(depends_on_names(services["ckan"])) >= {"db", "redis", "solr"}
    for name in ("harvest-gather", "harvest-fetch", "scheduler", "jobs", "proxy"):
        # after the web service is healthy, migrations have run
        assert "ckan" in depends_on_names(services[name]), name


def test_harvest_consumers_and_scheduler_run_the_right_commands(services):
    def command(name: str) -> list[str]:
        cmd = services[name]["command"]
        return cmd if isinstance(cmd, list) else cmd.split()

    assert command("harvest-gather")[-2:] == ["harvester", "gather-consumer"]
    assert command("harvest-fetch")[-2:] == ["harvester", "fetch-consumer"]
    assert command("jobs")[-2:] == ["jobs", "worker"]  # amp_validation's checks
    for name in ("harvest-gather", "harvest-fetch", "jobs"):
        cmd = command(name)
        assert cmd[:3] == ["ckan", "-c", "/srv/app/ckan.ini"], name
    assert command("scheduler") == ["scheduler"]
    assert command("ckan") == ["web"]
    entrypoint = ENTRYPOINT.read_text(encoding="utf-8")
    assert "harvester run" in entrypoint
    assert "amp conventions check" in entrypoint
    assert "AMP_CONVENTIONS_CHECK_INTERVAL" in services["scheduler"]["environment"]
    assert re.search(r"^\s*scheduler\)\s*$", entrypoint, re.M), "entrypoint has no scheduler mode"
    assert re.search(r"^\s*web\)\s*$", entrypoint, re.M), "entrypoint has no web mode"


def test_scheduler_runs_the_daily_access_jobs_by_default(services):
    """amp_access's reminders and audit-log retention are maintenance jobs of
    the scheduler unless the operator lists others."""
    value = str(services["scheduler"]["environment"]["AMP_MAINTENANCE_JOBS"])
    default = re.fullmatch(r"\$\{AMP_MAINTENANCE_JOBS:-(.*)\}", value)
    assert default, value
    jobs = [job.split() for job in default.group(1).split(";")]
    assert ["amp", "access", "remind"] in jobs and ["amp", "access", "prune"] in jobs
    # CKAN's tracking: raw views and downloads summed for the usage dashboard.
    assert ["tracking", "update"] in jobs
    # Then tracking_raw's summed visits older than the retention go.
    assert jobs.index(["amp", "tracking", "prune"]) > jobs.index(["tracking", "update"])


def test_scalable_services_declare_replicas_and_publish_no_port(services):
    for name in ("ckan", "harvest-gather", "harvest-fetch", "jobs"):
        assert "replicas" in (services[name].get("deploy") or {}), name
        assert not services[name].get("ports"), f"{name} publishes a port: it cannot scale"
        assert not services[name].get("container_name"), f"{name} has a fixed container_name"
    assert str(services["scheduler"]["deploy"]["replicas"]) == "1"


def test_only_the_proxy_publishes_ports(services):
    publishing = sorted(name for name, svc in services.items() if svc.get("ports"))
    assert publishing == ["proxy"]


def test_migrations_run_in_the_web_service_only(services):
    for name, svc in services.items():
        env = svc.get("environment") or {}
        flag = str(env.get("CKAN_RUN_MIGRATIONS", "0")) if isinstance(env, dict) else "0"
        if name == "ckan":
            assert flag == "1"
            from ckanext.amp.stack.migrations import plugins_with_migrations

            assert sorted(env["CKAN_MIGRATE_PLUGINS"].split()) == sorted(
                plugins_with_migrations(BUNDLE_PLUGINS))
        else:
            assert flag != "1", f"{name} would run migrations too"


def test_ckan_containers_share_storage_and_get_every_ini_variable(services, compose):
    ini_vars = ini_variables()
    assert {"CKAN_SQLALCHEMY_URL", "CKAN_SECRET_KEY"} <= ini_vars
    for name in CKAN_SERVICES:
        svc = services[name]
        env = svc.get("environment") or {}
        missing = sorted(ini_vars - set(env))
        assert not missing, f"{name} lacks {missing}, which ckan.ini interpolates"
        volumes = [v if isinstance(v, str) else f"{v['source']}:{v['target']}"
                   for v in svc.get("volumes", [])]
        assert "ckan_storage:/var/lib/ckan" in volumes, name
        assert any(v.startswith("./ckan.ini:/srv/app/ckan.ini") for v in volumes), name
    assert "ckan_storage" in (compose.get("volumes") or {})


def test_named_volumes_are_declared(services, compose):
    declared = set(compose.get("volumes") or {})
    for name, svc in services.items():
        for volume in svc.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
            if source and not source.startswith((".", "/", "~")):
                assert source in declared, f"{name} uses undeclared volume {source!r}"
    for name in ("db", "solr", "redis"):
        assert any(isinstance(v, str) and not v.startswith(("./", "/"))
                   for v in services[name].get("volumes", [])), f"{name} keeps no named volume"


def test_networks_used_are_declared_and_backends_are_internal(services, compose):
    declared = compose.get("networks") or {}
    for name, svc in services.items():
        for net in svc.get("networks", []):
            assert net in declared, f"{name} uses undeclared network {net!r}"
    assert declared["backend"].get("internal") is True
    for name in ("db", "solr", "redis"):
        assert services[name]["networks"] == ["backend"], name


def test_every_compose_variable_is_documented_in_env_example():
    used = compose_variables()
    assert "POSTGRES_PASSWORD" in used  # the regex does see the variables
    documented = env_example_entries()
    missing = sorted(used - set(documented))
    assert not missing, f"used in compose.yaml, absent from .env.example: {missing}"
    undocumented = sorted(name for name in used if not documented[name][1])
    assert not undocumented, f"no comment explains: {undocumented}"


def test_env_example_documents_only_variables_the_stack_uses():
    used = compose_variables()
    stale = sorted(set(env_example_entries()) - used)
    assert not stale, f".env.example documents variables compose.yaml never reads: {stale}"


def test_env_example_holds_no_real_secret():
    entries = env_example_entries()
    for name in ("CKAN_SECRET_KEY", "CKAN_JWT_SECRET", "POSTGRES_PASSWORD"):
        value = entries[name][0]
        assert value.startswith("change-me"), f"{name} must be a placeholder, not {value!r}"
    assert entries["CKAN_SMTP_PASSWORD"][0] == ""


def test_required_secrets_have_no_default_in_compose():
    text = COMPOSE.read_text(encoding="utf-8")
    for name in ("CKAN_SECRET_KEY", "CKAN_JWT_SECRET", "POSTGRES_PASSWORD", "CKAN_SITE_URL"):
        forms = re.findall(r"\$\{" + name + r"([^}]*)\}", text)
        assert forms, name
        assert all(form.startswith(":?") for form in forms), \
            f"{name} must be required (${{{name}:?...}}), found {forms}"


# ----------------------------------------------------------------- nginx

def test_nginx_upstream_points_at_the_web_service(services):
    conf = NGINX.read_text(encoding="utf-8")
    upstreams = dict(re.findall(r"upstream\s+(\S+)\s*\{(.*?)\}", conf, re.S))
    assert upstreams, "no upstream block"
    for body in upstreams.values():
        servers = re.findall(r"^\s*server\s+([^\s:;]+):(\d+)", body, re.M)
        assert servers, "upstream without server"
        for host, port in servers:
            assert host in services, f"nginx upstream host {host!r} is not a compose service"
            assert host == "ckan" and port == "5000", (host, port)
    assert "--bind 0.0.0.0:5000" in ENTRYPOINT.read_text(encoding="utf-8")
    for name in re.findall(r"proxy_pass\s+http://([^/;\s]+)", conf):
        assert name in upstreams, f"proxy_pass to unknown upstream {name}"


def test_nginx_config_has_the_production_settings(services):
    conf = NGINX.read_text(encoding="utf-8")
    assert re.search(r"client_max_body_size\s+\d+m;", conf)
    assert re.search(r"^\s*gzip\s+on;", conf, re.M)
    assert "proxy_cache_path" in conf and "proxy_cache ckan_static" in conf
    for header in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                   "Strict-Transport-Security"):
        assert f"add_header {header}" in conf, header
    assert "real_ip_header X-Forwarded-For" in conf
    assert "X-Forwarded-Proto" in conf
    # add_header in a location would silently drop the server-level headers
    for location in re.findall(r"location\s+[^{]+\{(.*?)\}", conf, re.S):
        assert "add_header" not in location
    # only static paths are cached: access rules depend on the caller
    cached = re.findall(r"location\s+([^{\s]+)\s*\{[^}]*proxy_cache\s+ckan_static", conf, re.S)
    assert cached and all(path in ("/webassets/", "/base/") for path in cached), cached
    # the health endpoint the compose healthcheck calls exists
    assert "/nginx-health" in conf
    assert "/nginx-health" in " ".join(map(str, services["proxy"]["healthcheck"]["test"]))
    # the file is mounted where nginx reads it
    assert "./nginx/ckan.conf:/etc/nginx/conf.d/default.conf:ro" in services["proxy"]["volumes"]


def test_upload_limit_of_nginx_covers_ckan_upload_limit():
    conf = NGINX.read_text(encoding="utf-8")
    nginx_mb = int(re.search(r"client_max_body_size\s+(\d+)m;", conf).group(1))
    ckan_mb = int(env_example_entries()["CKAN_MAX_UPLOAD_SIZE_MB"][0])
    ini_mb = int(raw_ini().get("app:main", "ckan.max_resource_size"))
    assert nginx_mb > max(ckan_mb, ini_mb)


# ----------------------------------------------------------------- ckan.ini

def test_ini_parses_and_has_the_production_settings():
    parser = raw_ini()
    main = parser["app:main"]
    assert main["sqlalchemy.url"] == "%(CKAN_SQLALCHEMY_URL)s"
    assert main["ckan.redis.url"] == "%(CKAN_REDIS_URL)s"
    assert main["solr_url"] == "%(CKAN_SOLR_URL)s"
    assert main["ckan.site_url"] == "%(CKAN_SITE_URL)s"
    assert main["ckanext.amp.search.engine"] == "solr"
    assert main["ckanext.spatial.search_backend"] == "solr-bbox"
    assert "frange" in main["ckan.search.solr_allowed_query_parsers"].split()
    assert main["ckan.locale_default"] == "fr"
    assert main["ckan.locales_offered"].split() == ["fr", "en"]
    assert main["ckan.harvest.mq.type"] == "redis"
    assert main["ckan.storage_path"] == "/var/lib/ckan"
    assert parser["DEFAULT"]["debug"] == "false"
    for key in ("SECRET_KEY", "api_token.jwt.encode.secret", "api_token.jwt.decode.secret"):
        assert "%(CKAN_" in main[key], f"{key} must come from the environment"


def test_ini_plugins_are_the_bundle_and_all_exist():
    plugins = raw_ini().get("app:main", "ckan.plugins").split()
    assert plugins == BUNDLE_PLUGINS
    installed = {ep.name for ep in entry_points(group="ckan.plugins")}
    declared = setup_py_plugins()
    unknown = [name for name in plugins if name not in installed and name not in declared]
    assert not unknown, f"no ckan.plugins entry point named {unknown}"
    # a plugin only declared by this repository must point at a real module
    for name in plugins:
        if name in installed or name not in declared:
            continue
        module = declared[name].split(":", 1)[0]
        path = ROOT / "ckanext-amp" / Path(*module.split("."))
        assert path.with_suffix(".py").is_file() or (path / "__init__.py").is_file(), \
            f"{name} -> {declared[name]}: module not found"


def test_every_ini_option_is_known_to_ckan_or_an_extension():
    """Catch typos: each option must appear in a config declaration or in the
    source of the package that reads it."""
    import ckan

    site = Path(ckan.__file__).resolve().parents[1]  # site-packages
    corpus = []
    for pattern in ("ckan/config/config_declaration.yaml", "ckanext/*/config_declaration.yaml",
                    "ckanext/*/*.py", "ckanext/*/*/*.py"):
        corpus += [p.read_text(encoding="utf-8", errors="replace") for p in site.glob(pattern)]
    corpus += [p.read_text(encoding="utf-8") for p in (ROOT / "ckanext-amp").rglob("config_declaration.yaml")]
    assert any("key: sqlalchemy.url" in text for text in corpus), "CKAN's declaration not found"
    text = "\n".join(corpus)
    unknown = [key for key in raw_ini()["app:main"]
               if key not in ("use", "debug")
               and f"key: {key}\n" not in text and f"'{key}'" not in text and f'"{key}"' not in text]
    assert not unknown, f"options no declaration or extension knows: {unknown}"


def test_ini_loads_with_ckans_own_loader(monkeypatch):
    config = load_ini_with_ckan(FAKE_ENV, monkeypatch)
    assert config["sqlalchemy.url"] == FAKE_ENV["CKAN_SQLALCHEMY_URL"]
    assert config["solr_url"] == FAKE_ENV["CKAN_SOLR_URL"]
    assert config["ckan.site_url"] == FAKE_ENV["CKAN_SITE_URL"]
    assert config["SECRET_KEY"] == FAKE_ENV["CKAN_SECRET_KEY"]
    assert config["api_token.jwt.encode.secret"] == "string:" + FAKE_ENV["CKAN_JWT_SECRET"]
    assert config["ckanext.amp.search.engine"] == "solr"


def test_ini_refuses_to_load_when_a_secret_is_missing(monkeypatch):
    env = dict(FAKE_ENV)
    del env["CKAN_SECRET_KEY"]
    with pytest.raises(configparser.InterpolationMissingOptionError):
        load_ini_with_ckan(env, monkeypatch)


def test_ckan_maps_the_env_variables_the_deployment_relies_on():
    """compose.yaml sets SMTP and upload size through CKAN's fixed env mapping."""
    from ckan.config.environment import CONFIG_FROM_ENV_VARS

    mapped = set(CONFIG_FROM_ENV_VARS.values())
    compose_env = compose_variables()
    ini_vars = ini_variables()
    for name in ("CKAN_SMTP_SERVER", "CKAN_SMTP_MAIL_FROM", "CKAN_MAX_UPLOAD_SIZE_MB"):
        assert name in compose_env and name in mapped, name
    # every CKAN_* variable handed to CKAN is read by CKAN one way or the other
    entrypoint_only = {"CKAN_WAIT_TIMEOUT", "CKAN_IMAGE", "CKAN_WEB_REPLICAS", "CKAN_WEB_MEMORY"}
    unread = sorted(name for name in compose_env
                    if name.startswith("CKAN_") and name not in mapped
                    and name not in ini_vars and name not in entrypoint_only)
    assert not unread, f"CKAN never reads {unread}"


# ----------------------------------------------------------------- Dockerfile

def test_dockerfile_installs_the_repository_with_the_constraints():
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM\s+\$\{PYTHON_IMAGE\}", text, re.M)
    assert re.search(r"^ARG\s+PYTHON_IMAGE=python:3\.11-slim\s*$", text, re.M)
    assert re.search(r"pip install -c constraints\.txt /src\b", text)
    assert re.search(r"^COPY\s+.*\bconstraints\.txt\b", text, re.M)
    assert not re.search(r"pip install[^\n]*\s(-e|--editable)\s", text), "editable install in the image"
    assert "libpq-dev" in text
    assert (ROOT / "constraints.txt").is_file()
    for folder in ("ckanext-amp", "schemas", "harvesters", "licences"):
        assert re.search(rf"^COPY\s+{folder}\s", text, re.M), f"{folder} not copied"


def test_dockerfile_runs_as_non_root_with_the_entrypoint():
    text = DOCKERFILE.read_text(encoding="utf-8")
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^ENTRYPOINT\s+\[\"amp-entrypoint\"\]", text, re.M)
    assert "deploy/entrypoint.sh /usr/local/bin/amp-entrypoint" in text
    assert re.search(r"^COPY\s+deploy/ckan\.ini /srv/app/", text, re.M)


def test_web_container_serves_what_make_run_serves():
    """One WSGI application and one set of gunicorn settings (in the package)
    for `make run` and the image: the entrypoint names the same as the stack."""
    from ckanext.amp.stack import cli

    text = ENTRYPOINT.read_text(encoding="utf-8")
    web = text[text.index("exec gunicorn"):]
    web = web[:web.index(";;")]
    conf = cli.GUNICORN_CONF
    assert f"-c {conf}" in web and web.rstrip().endswith(cli.WSGI_APP)
    assert "--forwarded-allow-ips" in web and "--bind 0.0.0.0:5000" in web
    # gunicorn comes with the package (setup.py), pinned by constraints.txt
    assert "gunicorn==" not in DOCKERFILE.read_text(encoding="utf-8")
    pins = dict(line.split("==", 1) for line in (ROOT / "constraints.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    assert pins.get("gunicorn")


def test_constraints_pin_the_bundle():
    pins = dict(line.split("==", 1) for line in (ROOT / "constraints.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    assert pins.get("ckan") == "2.11.6"
    assert pins.get("ckanext-harvest") == "1.6.3"
    assert pins.get("ckanext-spatial") == "2.3.2"


# ----------------------------------------------------------------- entrypoint

def test_entrypoint_is_valid_bash():
    result = subprocess.run(["bash", "-n", str(ENTRYPOINT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert os.access(ENTRYPOINT, os.X_OK), "entrypoint.sh is not executable"


def test_entrypoint_runs_the_migrations_it_should():
    text = ENTRYPOINT.read_text(encoding="utf-8")
    assert '"db", "upgrade"]' in text and '"-p", plugin]' in text
    assert "pg_advisory_lock" in text
    assert re.search(r"CKAN_RUN_MIGRATIONS:-0\}\s*==\s*1", text)


def _run_entrypoint(tmp_path, env: dict[str, str], *command: str):
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
            "CKAN_INI": str(INI), "CKAN_SKIP_WAIT": "1"}
    return subprocess.run(["bash", str(ENTRYPOINT), *command], env={**base, **env},
                          capture_output=True, text=True, timeout=60)


def test_entrypoint_starts_the_command_when_configured(tmp_path):
    result = _run_entrypoint(tmp_path, FAKE_ENV, "bash", "-c", "echo started")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


@pytest.mark.parametrize("name", ["CKAN_SECRET_KEY", "CKAN_SQLALCHEMY_URL", "CKAN_SITE_URL"])
def test_entrypoint_refuses_a_missing_variable(tmp_path, name):
    env = {k: v for k, v in FAKE_ENV.items() if k != name}
    result = _run_entrypoint(tmp_path, env, "bash", "-c", "echo started")
    assert result.returncode != 0 and "started" not in result.stdout
    assert name in result.stderr


def test_entrypoint_refuses_placeholders_and_percent_signs(tmp_path):
    placeholder = _run_entrypoint(tmp_path, {**FAKE_ENV, "CKAN_JWT_SECRET": "change-me-x"}, "true")
    assert placeholder.returncode != 0 and "CKAN_JWT_SECRET" in placeholder.stderr
    percent = _run_entrypoint(tmp_path, {**FAKE_ENV, "CKAN_SECRET_KEY": "ab%cd"}, "true")
    assert percent.returncode != 0 and "CKAN_SECRET_KEY" in percent.stderr
    assert "ab%cd" not in percent.stderr, "a secret value was logged"


def test_entrypoint_reads_docker_secrets_from_files(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("f00d" * 16 + "\n")
    env = {k: v for k, v in FAKE_ENV.items() if k != "CKAN_SECRET_KEY"}
    env["CKAN_SECRET_KEY_FILE"] = str(secret)
    result = _run_entrypoint(tmp_path, env, "bash", "-c", 'echo "$CKAN_SECRET_KEY|${CKAN_SECRET_KEY_FILE:-}"')
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "f00d" * 16 + "|"
    assert "f00d" not in result.stderr, "a secret value was logged"


def test_entrypoint_heartbeat_healthcheck(tmp_path):
    beat = tmp_path / "beat"
    env = {"HEARTBEAT_FILE": str(beat), "HEALTH_MAX_AGE": "60"}
    assert _run_entrypoint(tmp_path, env, "healthcheck", "heartbeat").returncode != 0
    beat.touch()
    assert _run_entrypoint(tmp_path, env, "healthcheck", "heartbeat").returncode == 0
    old = beat.stat().st_mtime - 3600
    os.utime(beat, (old, old))
    assert _run_entrypoint(tmp_path, env, "healthcheck", "heartbeat").returncode != 0
    assert _run_entrypoint(tmp_path, env, "healthcheck", "bogus").returncode != 0


def test_healthchecks_call_modes_the_entrypoint_has(services):
    text = ENTRYPOINT.read_text(encoding="utf-8")
    modes = set(re.findall(r"^\s{8}(\w+)\)\s*$", text, re.M))
    for name in CKAN_SERVICES:
        test = services[name]["healthcheck"]["test"]
        assert test[:3] == ["CMD", "amp-entrypoint", "healthcheck"], name
        assert test[3] in modes, f"{name}: unknown healthcheck mode {test[3]}"


# ----------------------------------------------------------------- Solr

def _stock_schema() -> Path:
    import ckan

    return Path(ckan.__file__).parent / "config" / "solr" / "schema.xml"


def test_spatial_fields_are_the_ones_ckanext_spatial_needs():
    root = ET.fromstring("<fields>" + SOLR_FIELDS.read_text(encoding="utf-8") + "</fields>")
    fields = {f.get("name"): f.attrib for f in root.iter("field")}
    assert {"minx", "maxx", "miny", "maxy"} <= set(fields)
    for name in ("minx", "maxx", "miny", "maxy"):
        assert fields[name]["type"] in ("float", "pfloat"), name
        assert fields[name]["indexed"] == "true"
    stock_types = {t.get("name") for t in ET.parse(_stock_schema()).getroot().iter("fieldType")}
    assert {f["type"] for f in fields.values()} <= stock_types
    # the fields ckanext-spatial's solr-bbox backend reads in its boost function
    from ckanext.spatial.search import SolrBBoxSearchBackend
    params = SolrBBoxSearchBackend().search_params(
        {"minx": 5.0, "miny": 43.0, "maxx": 5.7, "maxy": 43.6}, {})
    for name in ("minx", "maxx", "miny", "maxy"):
        assert re.search(rf"\b{name}\b", params["bf"]), name


def test_solr_start_script_patches_the_stock_schema_idempotently(tmp_path):
    source = tmp_path / "configset" / "conf"
    source.mkdir(parents=True)
    shutil.copy(_stock_schema(), source / "managed-schema")
    core = tmp_path / "core-conf"
    core.mkdir()
    shutil.copy(_stock_schema(), core / "managed-schema")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "AMP_SPATIAL_FIELDS": str(SOLR_FIELDS),
           "AMP_SOLR_CONFIGSET": str(tmp_path / "configset"),
           "AMP_SOLR_WORK_CONFIGSET": str(tmp_path / "work"),
           "AMP_SOLR_CORE_CONF": str(core),
           "AMP_SOLR_PATCH_ONLY": "1"}
    for _ in range(2):  # the second run must change nothing
        result = subprocess.run(["bash", str(SOLR_START)], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    for schema in (tmp_path / "work" / "conf" / "managed-schema", core / "managed-schema"):
        root = ET.parse(schema).getroot()  # still well-formed XML
        names = [f.get("name") for f in root.find("fields").iter("field")]
        for name in ("minx", "maxx", "miny", "maxy", "bbox_area"):
            assert names.count(name) == 1, (schema, name)
        assert "index_id" in names
    # the image's configset itself is left untouched
    assert "minx" not in (source / "managed-schema").read_text(encoding="utf-8")


def test_solr_service_mounts_and_runs_the_patch(services):
    solr = services["solr"]
    assert solr["command"] == ["bash", "/opt/amp/solr/start-solr.sh"]
    assert "./solr/spatial-fields.xml:/opt/amp/solr/spatial-fields.xml:ro" in solr["volumes"]
    assert "./solr/start-solr.sh:/opt/amp/solr/start-solr.sh:ro" in solr["volumes"]
    assert "/solr/ckan/admin/ping" in " ".join(map(str, solr["healthcheck"]["test"]))
    assert "/opt/amp/solr/spatial-fields.xml" in SOLR_START.read_text(encoding="utf-8")
    assert subprocess.run(["bash", "-n", str(SOLR_START)]).returncode == 0


# ----------------------------------------------------------------- docs

def test_operators_guide_covers_the_operations():
    guide = GUIDE.read_text(encoding="utf-8")
    for needle in ("ckanext.amp.search.engine = postgres", "ckanext.amp.search.engine = solr",
                   "search-index rebuild", "--scale", "pg_dump", "ckan db upgrade",
                   "operators/local.md", "constraints.txt", "ckan_storage"):
        assert needle in guide, needle
