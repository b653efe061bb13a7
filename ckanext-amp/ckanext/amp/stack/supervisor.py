"""A small process supervisor: the children of ``amp-stack run``.

Each child runs in its own process group (its own session), so that the
supervisor decides the order of shutdown: on SIGINT/SIGTERM it sends SIGTERM
to every child's group (or to its leader only, for a leader that stops its
own workers), waits, then SIGKILLs what is left; the caller stops
Redis and PostgreSQL afterwards. Output lines are forwarded with a
``[name]`` prefix and kept in ``<log_dir>/<name>.log``. A child that exits
is restarted with an exponential backoff (and the supervisor says so); a
periodic child (``every`` seconds) is simply started again at its next time.
"""
from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Callable, Optional, Sequence

BACKOFF_START = 1.0
BACKOFF_MAX = 60.0
STABLE_AFTER = 30.0  # a child up this long gets its backoff reset


@dataclasses.dataclass
class Child:
    name: str
    argv: Sequence[str]
    env: Optional[dict] = None
    cwd: Optional[str] = None
    every: Optional[float] = None  # periodic job: seconds between two starts
    # Stop by SIGTERM to the leader only, which stops its own workers (a
    # gunicorn master); the group gets SIGKILL afterwards all the same.
    term_leader_only: bool = False

    process: Optional[subprocess.Popen] = None
    started_at: float = 0.0
    next_start: float = 0.0
    backoff: float = BACKOFF_START
    restarts: int = 0
    log_thread: Optional[threading.Thread] = None


class Supervisor:
    def __init__(self, log_dir: Path, out: IO[str] = sys.stdout,
                 stop_timeout: float = 15.0):
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.out = out
        self.stop_timeout = stop_timeout
        self.children: list[Child] = []
        self.stopping = threading.Event()
        self._out_lock = threading.Lock()
        self.width = 8

    # ---------------------------------------------------------------- output
    def say(self, message: str) -> None:
        with self._out_lock:
            self.out.write(f"[{'amp':<{self.width}}] {message}\n")
            self.out.flush()

    def log_path(self, child: Child) -> Path:
        return self.log_dir / f"{child.name}.log"

    def _pump(self, child: Child, stream: IO[bytes]) -> None:
        prefix = f"[{child.name:<{self.width}}] "
        with open(self.log_path(child), "ab") as log_file:
            for raw in iter(stream.readline, b""):
                log_file.write(raw)
                log_file.flush()
                line = raw.decode("utf-8", "replace").rstrip("\n")
                with self._out_lock:
                    self.out.write(prefix + line + "\n")
                    self.out.flush()
        stream.close()

    # ------------------------------------------------------------- lifecycle
    def add(self, child: Child) -> Child:
        self.children.append(child)
        self.width = max(self.width, len(child.name))
        return child

    def start(self, child: Child) -> None:
        child.process = subprocess.Popen(
            list(child.argv), env=child.env, cwd=child.cwd,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
        child.started_at = time.monotonic()
        child.log_thread = threading.Thread(
            target=self._pump, args=(child, child.process.stdout),
            name=f"log-{child.name}", daemon=True)
        child.log_thread.start()

    def start_all(self) -> None:
        for child in self.children:
            self.start(child)

    def check(self, now: Optional[float] = None) -> None:
        """Restart what exited (one pass; the run loop calls it)."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            proc = child.process
            if proc is not None:
                code = proc.poll()
                if code is None:
                    if child.every is None and now - child.started_at > STABLE_AFTER:
                        child.backoff = BACKOFF_START
                    continue
                child.process = None
                if child.log_thread is not None:
                    child.log_thread.join(timeout=2)
                if child.every is not None:
                    if code != 0:
                        self.say(f"{child.name} s'est terminé avec le code {code} "
                                 f"(journal : {self.log_path(child)})")
                    child.next_start = child.started_at + child.every
                else:
                    child.restarts += 1
                    self.say(f"{child.name} s'est arrêté (code {code}) ; "
                             f"redémarrage dans {child.backoff:.0f} s "
                             f"(redémarrage n° {child.restarts}, journal : "
                             f"{self.log_path(child)})")
                    child.next_start = now + child.backoff
                    child.backoff = min(child.backoff * 2, BACKOFF_MAX)
            if child.process is None and now >= child.next_start \
                    and not self.stopping.is_set():
                self.start(child)

    def install_signal_handlers(self) -> None:
        def handler(signum, _frame):
            if not self.stopping.is_set():
                self.say(f"signal {signal.Signals(signum).name} reçu : arrêt en cours…")
            self.stopping.set()
        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGHUP, handler)

    def wait(self, until: Callable[[], bool], timeout: float,
             interval: float = 0.5) -> bool:
        """Supervise until ``until()`` is true (True), the timeout runs out or
        a stop is asked (False)."""
        deadline = time.monotonic() + timeout
        while not self.stopping.is_set() and time.monotonic() < deadline:
            self.check()
            if until():
                return True
            self.stopping.wait(interval)
        return False

    def run_forever(self, interval: float = 0.5) -> None:
        while not self.stopping.is_set():
            self.check()
            self.stopping.wait(interval)

    def stop_all(self) -> None:
        """SIGTERM every child's process group, then SIGKILL what is left."""
        self.stopping.set()
        running = [c for c in self.children if c.process and c.process.poll() is None]
        for child in running:
            if child.term_leader_only:
                child.process.send_signal(signal.SIGTERM)
            else:
                _signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in running:
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{child.name} ne s'arrête pas : SIGKILL")
        for child in self.children:
            if child.process is not None:
                # The group may hold grandchildren even if the leader is gone.
                _signal_group(child.process, signal.SIGKILL)
                try:
                    child.process.wait(5)
                except subprocess.TimeoutExpired:
                    pass
            if child.log_thread is not None:
                child.log_thread.join(timeout=2)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)  # start_new_session: pgid == pid
    except (ProcessLookupError, PermissionError):
        pass
