"""``amp-stack``: run the portal locally (``make run``) or the test suite on
throw-away servers (``make test``). Messages for people are in French; the
logs of CKAN stay as CKAN writes them."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional, Sequence

import click

from . import chromium, ckan_ini, migrations, services as svc, shards
from .settings import Settings, SettingsError
from .supervisor import Child, Supervisor

ADMIN_USER = "admin"
ADMIN_EMAIL = "admin@mdata.invalid"
TEST_DB = "ckan_test"
#: Where the tests leave what outlives a run (screenshots, logs of the live
#: portals, the browser's install log): $AMP_TEST_ARTIFACTS, else this.
TEST_ARTIFACTS = "tmp/test-artifacts"

# Selection run by `amp-stack test --core` (make test-ckan-core) when no
# pytest argument is given: CKAN's own search tests (shipped in the ckan
# wheel), run against amp_search with tests/ckan-core.ini.
CORE_TEST_INI = "tests/ckan-core.ini"
# Makes the Faker data of CKAN's factories the same at every run.
CORE_TEST_PLUGIN = "tests.ckan_core_plugin"
CORE_TEST_FILES = ("lib/search",)
CORE_TEST_CLASSES = ("logic/action/test_get.py", (
    "TestPackageSearch", "TestPackageAutocomplete", "TestOrganizationList", "TestGroupList"))


def core_test_args(with_paths: bool = True) -> list[str]:
    """pytest arguments for CKAN's own tests: our plugin, then (unless
    ``with_paths`` is false) the paths of the selection in the installed ckan
    package (not imported)."""
    if not with_paths:
        return ["-p", CORE_TEST_PLUGIN]
    import importlib.util

    spec = importlib.util.find_spec("ckan")
    if spec is None or not spec.submodule_search_locations:
        raise click.ClickException("le paquet ckan n'est pas installé")
    tests = Path(list(spec.submodule_search_locations)[0]) / "tests"
    module, classes = CORE_TEST_CLASSES
    return (["-p", CORE_TEST_PLUGIN]
            + [str(tests / path) for path in CORE_TEST_FILES]
            + [f"{tests / module}::{name}" for name in classes])


class StackError(click.ClickException):
    """A failure with what failed and where its log is."""

    def __init__(self, message: str, log_path: Optional[Path] = None):
        if log_path is not None:
            message = f"{message}\n  journal : {log_path}"
        super().__init__(message)

    def show(self, file=None) -> None:
        click.secho(f"Échec : {self.format_message()}", err=True, fg="red")


def echo(message: str = "", **style) -> None:
    click.secho(message, **style)
    sys.stdout.flush()


def _executable(name: str) -> str:
    """A command of the virtualenv this runs in, else of the PATH."""
    candidate = Path(sys.executable).with_name(name)
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise StackError(f"la commande `{name}` est introuvable (environnement non installé ?)")
    return found


def ckan_executable() -> str:
    return _executable("ckan")


def gunicorn_executable() -> str:
    return _executable("gunicorn")


#: The gunicorn settings and the application (the production image uses both).
GUNICORN_CONF = "python:ckanext.amp.stack.gunicorn_conf"
WSGI_APP = "ckanext.amp.stack.wsgi:application"


def web_argv(bind: str) -> list[str]:
    """The web server of `make run`: gunicorn on ``bind`` (``host:port``),
    its workers from AMP_WEB_WORKERS; the ini comes from $CKAN_INI."""
    return [gunicorn_executable(), "-c", GUNICORN_CONF, "--bind", bind, WSGI_APP]


def web_child(settings: Settings, env: dict) -> Child:
    """The ``web`` child of `make run`: gunicorn's master, which stops its
    workers itself on SIGTERM (then the supervisor kills what is left)."""
    return Child("web", web_argv(settings.bind),
                 env={**env, "AMP_WEB_WORKERS": str(settings.web_workers),
                      "AMP_WEB_TIMEOUT": str(settings.web_timeout)},
                 term_leader_only=True)


def jobs_child(ckan: Sequence[str], env: dict) -> Child:
    """The ``jobs`` child of `make run`: CKAN's background jobs worker on the
    default queue (amp_validation's checks); each job runs in a work horse
    it forks, so a job that crashes does not stop it."""
    return Child("jobs", [*ckan, "jobs", "worker"], env=env)


def child_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.update({k: v for k, v in extra.items() if v is not None})
    env["PYTHONUNBUFFERED"] = "1"
    return env


def make_ckan_runner(ini: Path, env: dict, log_path: Path):
    """``run_ckan(args, label)``: ``ckan -c ini args``, output appended to
    ``log_path``; raises StackError when it fails."""
    def run_ckan(args: list[str], label: str, stdin_text: Optional[str] = None) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with open(log_path, "ab") as log_file:
            log_file.write(f"\n=== ckan {label} ===\n".encode())
            log_file.flush()
            result = subprocess.run(
                [ckan_executable(), "-c", str(ini), *args], env=env,
                stdout=log_file, stderr=subprocess.STDOUT,
                input=(stdin_text or "").encode())
        if result.returncode != 0:
            raise StackError(f"`ckan {label}` a échoué (code {result.returncode})",
                             log_path)
        echo(f"  ckan {label} : fait en {time.monotonic() - started:.1f} s")
    return run_ckan


def _raise_interrupt(signum, _frame):
    raise KeyboardInterrupt


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Portail MData (ckanext-amp) : lancement local et tests."""


# ============================================================== amp-stack run

def admin_exists(sqlalchemy_url: str) -> bool:
    import psycopg2
    conn = psycopg2.connect(sqlalchemy_url)
    try:
        with conn.cursor() as cur:
            cur.execute('SELECT 1 FROM "user" WHERE name = %s', (ADMIN_USER,))
            return cur.fetchone() is not None
    finally:
        conn.close()


def ensure_admin(settings: Settings, sqlalchemy_url: str, run_ckan) -> bool:
    """Create the sysadmin on the first run only; print its password once.
    True when it was created (the first run)."""
    password_file = settings.admin_password_file
    if password_file.exists():
        echo(f"Compte administrateur : {ADMIN_USER} "
             f"(mot de passe dans {password_file})")
        return False
    if admin_exists(sqlalchemy_url):
        echo(f"Compte administrateur : l'utilisateur « {ADMIN_USER} » existe déjà "
             f"dans la base ; son mot de passe n'est pas géré par amp-stack.")
        return False
    password = secrets.token_urlsafe(18)
    run_ckan(["sysadmin", "add", ADMIN_USER, f"email={ADMIN_EMAIL}",
              f"password={password}"], f"sysadmin add {ADMIN_USER}",
             stdin_text="y\n")
    ckan_ini.write_private(password_file, password + "\n")
    rule = "=" * 64
    echo(rule, fg="yellow", bold=True)
    echo("  Compte administrateur créé (affiché une seule fois)", fg="yellow", bold=True)
    echo(f"    identifiant  : {ADMIN_USER}", fg="yellow", bold=True)
    echo(f"    mot de passe : {password}", fg="yellow", bold=True)
    echo(f"  Conservé dans {password_file} (lisible par vous seul).", fg="yellow")
    echo(rule, fg="yellow", bold=True)
    return True


def port_is_free(host: str, port: int) -> bool:
    import socket
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def portal_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/3/action/status_show", timeout=3) as rsp:
            return rsp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def load_conventions(run_ckan, ini: Path) -> None:
    """``ckan amp conventions load`` (harvesters/*.yaml); a failure is said,
    and does not stop the portal."""
    try:
        run_ckan(["amp", "conventions", "load"], "amp conventions load")
    except StackError as exc:
        echo(f"Attention : conventions non chargées : {exc.format_message()}"
             f"\n  relancer : ckan -c {ini} amp conventions load", fg="yellow")


#: Seconds between two runs of the daily jobs of `make run`.
DAILY = 24 * 3600


def daily_jobs(plugins: Sequence[str]) -> list[tuple[str, list[str]]]:
    """The ``ckan`` sub-commands `make run` runs once a day (at start, then
    every day), for the plugins loaded: ``(name, arguments)``."""
    jobs: list[tuple[str, list[str]]] = []
    if "amp_access" in plugins:
        # Reminders of pending access requests; retention of the audit log.
        jobs += [("access-remind", ["amp", "access", "remind"]),
                 ("access-prune", ["amp", "access", "prune"])]
    if "tracking" in plugins:
        # CKAN's tracking: the day's raw views and downloads summed into
        # tracking_summary (what the usage dashboard and "most used" read).
        jobs.append(("tracking-update", ["tracking", "update"]))
        if "amp_dashboard" in plugins:
            # Then the visits summed more than the retention ago go from
            # tracking_raw (never a day not yet summed).
            jobs.append(("tracking-prune", ["amp", "tracking", "prune"]))
    return jobs


@main.command()
def run() -> None:
    """Lance le portail sur http://AMP_HOST:AMP_PORT (Ctrl-C pour arrêter)."""
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise StackError(str(exc))
    started = time.monotonic()
    settings.home.mkdir(parents=True, exist_ok=True)
    settings.logs.mkdir(parents=True, exist_ok=True)
    setup_log = settings.logs / "setup.log"
    echo(f"Données du portail : {settings.home}")
    if not port_is_free(settings.host, settings.port):
        raise StackError(f"le port {settings.port} de {settings.host} est déjà utilisé "
                         f"(un autre `make run` ?) ; choisissez-en un autre avec AMP_PORT")

    # Until the children run, Ctrl-C / SIGTERM interrupt the set-up, and the
    # `finally` below stops what was started.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    services = None
    supervisor = None
    try:
        try:
            services = svc.start_services(settings.home,
                                          sqlalchemy_url=settings.sqlalchemy_url,
                                          redis_url=settings.redis_url)
        except svc.ServiceError as exc:
            raise StackError(str(exc), exc.log_path)
        for name in ("PostgreSQL", "Redis"):
            where = "embarqué" if name in services.embedded else "externe (variable d'environnement)"
            echo(f"{name} : {where}")

        wanted = settings.plugins or ckan_ini.enabled_plugins(ckan_ini.BASE_INI)
        plugins, missing = ckan_ini.split_available(wanted)
        for name in missing:
            echo(f"Attention : le plugin « {name} » n'est pas installé ; il est ignoré.",
                 fg="yellow")
        ini = ckan_ini.write_run_ini(settings, sqlalchemy_url=services.sqlalchemy_url,
                                     redis_url=services.redis_url, plugins=plugins)
        env = child_env(CKAN_INI=str(ini),
                        CKAN_SQLALCHEMY_URL=services.sqlalchemy_url,
                        CKAN_REDIS_URL=services.redis_url,
                        CKAN_SITE_URL=settings.site_url,
                        CKAN_STORAGE_PATH=str(settings.storage))
        run_ckan = make_ckan_runner(ini, env, setup_log)
        try:
            done = migrations.upgrade(ini, services.sqlalchemy_url, run_ckan)
        except RuntimeError as exc:
            raise StackError(str(exc), setup_log)
        echo("Base de données : " + ("migrée (" + ", ".join(done) + ")" if done else "à jour"))
        if (ensure_admin(settings, services.sqlalchemy_url, run_ckan)
                and os.environ.get("AMP_DEMO_DATA", "1").strip() != "0"):
            # First run only (demo data: AMP_DEMO_DATA=0 to skip).
            if "amp_schema" not in plugins:
                echo("Données de démonstration : non chargées (plugin amp_schema absent).",
                     fg="yellow")
            else:
                try:
                    if "amp_conventions" in plugins:
                        # Organisations, then the conventions of harvesters/*.yaml
                        # (their parties), then the datasets (under conventions).
                        run_ckan(["amp", "demo", "load", "--organizations-only"],
                                 "amp demo load --organizations-only")
                        load_conventions(run_ckan, ini)
                    run_ckan(["amp", "demo", "load"], "amp demo load")
                except StackError as exc:
                    echo(f"Attention : données de démonstration non chargées : "
                         f"{exc.format_message()}\n  relancer : ckan -c {ini} amp demo load",
                         fg="yellow")

        supervisor = Supervisor(settings.logs)
        ckan = [ckan_executable(), "-c", str(ini)]
        echo(f"Serveur web : gunicorn, {settings.web_workers} processus "
             f"(AMP_WEB_WORKERS)")
        supervisor.add(web_child(settings, env))
        supervisor.add(Child("gather", ckan + ["harvester", "gather-consumer"], env=env))
        supervisor.add(Child("fetch", ckan + ["harvester", "fetch-consumer"], env=env))
        supervisor.add(jobs_child(ckan, env))
        supervisor.add(Child("harvest", ckan + ["harvester", "run"], env=env,
                             every=settings.harvest_interval))
        if "amp_harvest" in plugins:
            # Old harvest jobs and objects (amp_harvest's retention options).
            supervisor.add(Child("prune", ckan + ["amp", "harvest", "prune"], env=env,
                                 every=settings.prune_interval))
        if "amp_conventions" in plugins:
            supervisor.add(Child("conventions", ckan + ["amp", "conventions", "check"], env=env,
                                 every=settings.conventions_check_interval))
        for name, command in daily_jobs(plugins):
            supervisor.add(Child(name, ckan + command, env=env, every=DAILY))
        supervisor.install_signal_handlers()
        supervisor.start_all()
        if not supervisor.wait(lambda: portal_answers(settings.local_url),
                               timeout=settings.startup_timeout):
            if supervisor.stopping.is_set():
                return
            raise StackError(f"le portail ne répond pas sur {settings.local_url} "
                             f"après {settings.startup_timeout} s",
                             supervisor.log_path(supervisor.children[0]))
        echo(f"Portail prêt : {settings.local_url}  "
             f"(démarré en {time.monotonic() - started:.0f} s ; Ctrl-C pour arrêter)",
             fg="green", bold=True)
        supervisor.run_forever()
    except KeyboardInterrupt:
        echo("Interruption : arrêt en cours…")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if supervisor is not None:
            supervisor.stop_all()
        if services is not None:
            services.stop()
            echo("Arrêté : processus CKAN" + ("" if not services.embedded else
                 ", " + " et ".join(services.embedded) + " embarqués") + ".")


# ============================================================= amp-stack test

def pytest_outcome(code: int) -> tuple[int, Optional[str]]:
    """Exit code of `amp-stack test` for pytest's ``code``, and a message."""
    if code == 5:
        return 1, "aucun test n'a été collecté (pytest, code 5) : c'est un échec"
    if code == 0:
        return 0, None
    return code, f"pytest a terminé avec le code {code}"


def artifacts_dir(env=None, cwd: Optional[Path] = None) -> Path:
    """The folder of the tests' artifacts (absolute)."""
    env = os.environ if env is None else env
    path = Path(env.get("AMP_TEST_ARTIFACTS") or TEST_ARTIFACTS).expanduser()
    return path if path.is_absolute() else (cwd or Path.cwd()) / path


def has_path_argument(args: Sequence[str]) -> bool:
    return any(not a.startswith("-") and os.path.exists(a.split("::")[0]) for a in args)


def wait_for(procs: list[subprocess.Popen]) -> list[int]:
    """The exit codes of ``procs``; on Ctrl-C (which reached them too, same
    process group; SIGTERM did not) each is asked to stop, then killed."""
    try:
        return [proc.wait() for proc in procs]
    except KeyboardInterrupt:
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        raise


def run_lots(lots: int, ini_path: Path, options: list[str], env: dict, services, datastore,
             tmp: Path, extra_lots: list) -> int:
    """The suite in ``lots`` parallel pytest processes (stack/shards.py):
    lot 1 on the migrated test database, each other lot on a copy of it with
    its own DataStore, Redis database, storage and home. Their output goes
    to ``<artifacts>/lot-N.log``, shown whole at the end; a progress line
    is printed every 30 s. ``extra_lots`` receives the DataStores created
    (dropped by the caller on an external server). ``options``: the user's pytest options (no
    path: then there would be one lot)."""
    files = [(path, path.stat().st_size) for path in shards.test_files(Path("tests"))]
    plan = shards.plan(files, lots, shards.load_times(Path(shards.TIMES_FILE)))
    artifacts = artifacts_dir()
    artifacts.mkdir(parents=True, exist_ok=True)  # a fresh clone has none yet
    procs, logs = [], []
    for lot in plan:
        lot_env = dict(env, PYTHONUNBUFFERED="1")  # its log is read while it runs
        if lot.number > 1:
            database = f"{TEST_DB}_lot{lot.number}"
            svc.ensure_database(services.admin_url, database,
                                template=svc.database_of(services.sqlalchemy_url))
            lot_url = svc.with_database(services.sqlalchemy_url, database)
            lot_store = svc.ensure_datastore(
                services.admin_url, lot_url, database=f"{database}_datastore",
                reader=f"{datastore.reader}_{lot.number}", password=secrets.token_urlsafe(12))
            extra_lots.append(lot_store)
            for name in ("storage", "home"):
                (tmp / f"lot{lot.number}" / name).mkdir(parents=True, exist_ok=True)
            lot_env.update(CKAN_SQLALCHEMY_URL=lot_url,
                           CKAN_REDIS_URL=svc.with_redis_db(
                               services.redis_url,
                               svc.redis_db_of(services.redis_url) + lot.number - 1),
                           CKAN_DATASTORE_WRITE_URL=lot_store.write_url,
                           CKAN_DATASTORE_READ_URL=lot_store.read_url,
                           CKAN_STORAGE_PATH=str(tmp / f"lot{lot.number}" / "storage"),
                           AMP_HOME=str(tmp / f"lot{lot.number}" / "home"))
        log_path = artifacts / f"lot-{lot.number}.log"
        argv = [sys.executable, "-m", "pytest", f"--ckan-ini={ini_path}",
                "-o", "console_output_style=count", "-o", "junit_family=xunit1",
                f"--junitxml={artifacts / f'lot-{lot.number}.xml'}", *options, *lot.files]
        echo(f"Lot {lot.number} : {len(lot.files)} fichiers de test, journal {log_path}")
        log = open(log_path, "wb")
        logs.append((lot, log_path, log))
        procs.append(subprocess.Popen(argv, env=lot_env, stdout=log, stderr=subprocess.STDOUT))
    echo(f"{len(plan)} lots en parallèle (AMP_TEST_LOTS={len(plan)} ; 1 pour un seul pytest)")
    started = time.monotonic()

    def report() -> None:
        parts = []
        for lot, log_path, _ in logs:
            seen = shards.progress(log_path.read_text(errors="replace"))
            parts.append(f"lot {lot.number} : " + (f"{seen[0]}/{seen[1]}" if seen else "démarrage"))
        echo(f"  [{time.monotonic() - started:5.0f} s] " + ", ".join(parts))

    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(30):
            report()

    threading.Thread(target=heartbeat, daemon=True).start()
    try:
        codes = wait_for(procs)
    finally:
        stop.set()
        for _, _, log in logs:
            log.close()
    for (lot, log_path, _), code in zip(logs, codes):
        echo(f"\n===== lot {lot.number} (pytest : code {code}) — {log_path} =====")
        sys.stdout.write(log_path.read_text(errors="replace"))
        sys.stdout.flush()
    echo(f"Lots terminés en {time.monotonic() - started:.0f} s : "
         + ", ".join(f"lot {lot.number} code {code}" for (lot, _, _), code in zip(logs, codes)))
    times = shards.junit_times(artifacts / f"lot-{lot.number}.xml" for lot in plan)
    if times:
        (artifacts / "test-times.json").write_text(json.dumps(times, indent=1) + "\n")
        echo(f"Durée de chaque fichier de test : {artifacts / 'test-times.json'} "
             f"(à copier dans {shards.TIMES_FILE} pour équilibrer les lots)")
    return shards.combined_code(codes)


@main.command(context_settings={"ignore_unknown_options": True,
                                "allow_interspersed_args": False})
@click.option("--core", is_flag=True,
              help="Tests de recherche de CKAN lui-même, contre amp_search (tests/ckan-core.ini).")
@click.option("--ini", default="test.ini", show_default=True,
              type=click.Path(dir_okay=False), help="Fichier ini des tests.")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def test(core: bool, ini: str, pytest_args: tuple[str, ...]) -> None:
    """Lance les tests sur des serveurs jetables (arguments : ceux de pytest)."""
    ini_path = Path(ini).resolve()
    if not ini_path.exists():
        raise StackError(f"fichier {ini_path} absent (lancez depuis la racine du dépôt)")
    args = list(pytest_args)
    if core:
        if ini == "test.ini":
            ini_path = Path(CORE_TEST_INI).resolve()
        args = core_test_args(with_paths=not has_path_argument(args)) + args
    elif not has_path_argument(args):
        args = ["tests"] + args

    tmp = Path(tempfile.mkdtemp(prefix="amp-test-"))
    external_url = os.environ.get("CKAN_SQLALCHEMY_URL") or None
    services = None
    datastore: Optional[svc.Datastore] = None
    created_db: Optional[str] = None
    extra_lots: list[svc.Datastore] = []
    signal.signal(signal.SIGTERM, _raise_interrupt)
    code = 1
    try:
        started = time.monotonic()
        try:
            if external_url:
                # Never the given database: a fresh one next to it.
                admin_url = external_url
                created_db = f"amp_test_{secrets.token_hex(4)}"
                svc.ensure_database(admin_url, created_db)
                external_url = svc.with_database(admin_url, created_db)
            services = svc.start_services(tmp, sqlalchemy_url=external_url,
                                          redis_url=os.environ.get("CKAN_REDIS_URL"),
                                          database=TEST_DB)
            if created_db:
                services.admin_url = admin_url
            # CKAN's DataStore (for the tests that load it): a database next
            # to the test one and a role that may only read it.
            datastore = svc.ensure_datastore(
                services.admin_url, services.sqlalchemy_url,
                database=svc.database_of(services.sqlalchemy_url) + "_datastore",
                reader=f"amp_test_reader_{secrets.token_hex(4)}",
                password=secrets.token_urlsafe(12))
        except svc.ServiceError as exc:
            raise StackError(str(exc), exc.log_path)
        except Exception as exc:
            raise StackError(f"base de test impossible à créer ({exc})")
        artifacts = artifacts_dir()
        env = child_env(CKAN_SQLALCHEMY_URL=services.sqlalchemy_url,
                        CKAN_REDIS_URL=services.redis_url,
                        AMP_TEST_PG_ADMIN_URL=services.admin_url,
                        CKAN_DATASTORE_WRITE_URL=datastore.write_url,
                        CKAN_DATASTORE_READ_URL=datastore.read_url,
                        AMP_TEST_ARTIFACTS=str(artifacts),
                        AMP_HOME=str(tmp / "home"),
                        CKAN_STORAGE_PATH=str(tmp / "storage"))
        env.pop("CKAN_INI", None)
        (tmp / "storage").mkdir(exist_ok=True)
        echo(f"Serveurs de test ({', '.join(services.embedded) or 'externes'}) "
             f"dans {tmp}")
        log_path = tmp / "setup.log"
        try:
            migrations.upgrade(ini_path, services.sqlalchemy_url,
                               make_ckan_runner(ini_path, env, log_path))
        except (RuntimeError, StackError) as exc:
            # The temporary folder goes away: show the end of the log.
            sys.stderr.write(log_path.read_text(errors="replace")[-4000:] + "\n")
            message = exc.message if isinstance(exc, StackError) else str(exc)
            raise StackError(message.split("\n  journal")[0]
                             + " (fin du journal ci-dessus)")
        if not core:
            # The real-browser tests fail (never skip) when it is missing.
            problem = chromium.ensure(artifacts / "chromium-install.log", echo)
            if problem:
                click.secho(f"Attention : {problem}\n  Les tests dans un navigateur "
                            f"échoueront.", err=True, fg="yellow")
        echo(f"Préparation : {time.monotonic() - started:.1f} s")

        lots = shards.lot_count() if not core and not has_path_argument(pytest_args) else 1
        if lots > 1:
            raw = run_lots(lots, ini_path, list(pytest_args), env, services, datastore, tmp,
                           extra_lots)
        else:
            argv = [sys.executable, "-m", "pytest", f"--ckan-ini={ini_path}", *args]
            echo("$ " + " ".join(argv[1:]))
            raw = wait_for([subprocess.Popen(argv, env=env)])[0]
        code, message = pytest_outcome(raw)
        if message:
            click.secho(message, err=True, fg="red")
    except KeyboardInterrupt:
        click.secho("Tests interrompus.", err=True, fg="red")
        code = 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for lot_datastore in (extra_lots if created_db else []):
            try:
                svc.drop_datastore(services.admin_url, lot_datastore)
                svc.drop_database(services.admin_url, lot_datastore.database[:-len("_datastore")])
            except Exception as exc:  # pragma: no cover - reported, not fatal
                click.secho(f"base {lot_datastore.database} non supprimée : {exc}", err=True)
        if datastore is not None and created_db:
            try:
                svc.drop_datastore(admin_url, datastore)
            except Exception as exc:  # pragma: no cover - reported, not fatal
                click.secho(f"base {datastore.database} non supprimée : {exc}", err=True)
        if services is not None:
            services.stop()
        if created_db:
            try:
                svc.drop_database(admin_url, created_db)
            except Exception as exc:  # pragma: no cover - reported, not fatal
                click.secho(f"base {created_db} non supprimée : {exc}", err=True)
        svc.remove_tree(tmp)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
