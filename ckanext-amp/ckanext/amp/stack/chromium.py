"""The browser of the real-browser tests: Debian's ``chromium`` package.

Playwright drives it (``executable_path``); Playwright's own browser
downloads are never used. ``amp-stack test`` calls :func:`ensure` before
pytest: when the executable is missing and we are root on a machine with
``apt-get``, it installs the package (output to a log); otherwise the
browser tests fail with :func:`missing_message`, which says what to install.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable, Mapping, Optional

#: Where Debian's package puts the browser. ``AMP_TEST_CHROMIUM`` names
#: another executable (a Chromium installed elsewhere).
DEFAULT_EXECUTABLE = "/usr/bin/chromium"
PACKAGE = "chromium"
APT_COMMANDS = (
    ["apt-get", "update"],
    ["apt-get", "install", "-y", "--no-install-recommends", PACKAGE],
)
#: Flags that work here as root, headless, without network side traffic;
#: Playwright adds ``--headless`` and a fresh ``--user-data-dir`` itself.
LAUNCH_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync",
)


def executable(env: Optional[Mapping[str, str]] = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("AMP_TEST_CHROMIUM") or DEFAULT_EXECUTABLE)


def missing_message(path: Path) -> str:
    """French message for a machine without the browser."""
    return (f"navigateur de test absent : {path} n'existe pas. Installez le paquet "
            f"Debian « {PACKAGE} » (en root : apt-get update && apt-get install -y "
            f"--no-install-recommends {PACKAGE}), ou indiquez un Chromium installé "
            f"ailleurs dans AMP_TEST_CHROMIUM ; `make test` l'installe lui-même quand il "
            f"tourne en root sur une machine Debian.")


def can_install() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def ensure(log_path: Path, echo: Callable[[str], None],
           env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """Install the browser when missing and possible. Returns None when it
    is there (already, or now), else a French message saying why not."""
    path = executable(env)
    if path.exists():
        return None
    if path != Path(DEFAULT_EXECUTABLE):
        return missing_message(path)
    if not can_install():
        return missing_message(path)
    echo(f"Installation du navigateur des tests : paquet Debian « {PACKAGE} » "
         f"(apt-get, journal : {log_path})…")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    apt_env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with open(log_path, "ab") as log:
        for command in APT_COMMANDS:
            log.write(f"\n=== {' '.join(command)} ===\n".encode())
            log.flush()
            result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=apt_env)
            if result.returncode != 0:
                return (f"`{' '.join(command)}` a échoué (code {result.returncode}, "
                        f"journal : {log_path}). " + missing_message(path))
    if not path.exists():
        return f"{path} toujours absent après l'installation (journal : {log_path})"
    echo(f"  navigateur installé en {time.monotonic() - started:.0f} s")
    return None
