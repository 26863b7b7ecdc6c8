"""Starts the assistant's processes, waits until they answer, and stops them all together.

Used by `make run` (in the foreground, Ctrl-C stops everything) and by the
tests' session fixture, so that both run the system the same way. Both read the
`.env` file at the root when there is one (variables already in the environment win).

With `TENJO_ENV=production` it refuses to start (exit code 2) while a secret is
unset or a development default (settings/production.py, `production_problems`), and
binds Rasa and the action server to loopback unless `RASA_INTERFACE` and
`SANIC_HOST` say otherwise: a reverse proxy with HTTPS is the way in.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from actions.settings import Settings as ActionSettings
from settings import (
    DOTENV,
    LOOPBACK,
    ROOT,
    SettingError,
    Settings,
    read,
    startup_refusal,
    with_dotenv,
)
from settings.table import default_env

BIN = Path(sys.executable).parent
# What every process needs in its environment (Rasa's YAML files read some of them).
DEFAULTS = {
    name: default_env(name)
    for name in ("RASA_PORT", "ACTIONS_PORT", "WEB_PORT", "DATABASE_URL", "RASA_TOKEN",
                 "RASA_MODEL")
}
PYTHON = str(Path(sys.executable))


def stack_env(overrides: Mapping[str, str] | None = None,
              dotenv: Path | None = DOTENV) -> dict[str, str]:
    """The environment of the processes: the defaults, then `dotenv` (the `.env` file at
    the root, when present), then this process's environment, then the overrides; each
    wins over the ones before. A bad value is a SettingError naming the variable.

    With `REDIS_URL`, Rasa uses `endpoints.scaled.yml` (Redis lock store) and its
    socket.io channel shares sockets through Redis (channels/socketio.py).
    """
    env = with_dotenv(os.environ, dotenv)
    for key, value in DEFAULTS.items():
        if not env.get(key):
            env[key] = value
    env.update(overrides or {})
    values = Settings.from_env(env)
    if values.redis_url:
        redis = urlsplit(values.redis_url)
        env.setdefault("REDIS_HOST", redis.hostname or LOOPBACK)
        env.setdefault("REDIS_PORT", str(redis.port or 6379))
        env.setdefault("REDIS_DB", (redis.path or "/0").strip("/") or "0")
    env.setdefault("RASA_ENDPOINTS", values.rasa_endpoints)
    if values.sanic_host:  # where rasa-sdk's action server listens (loopback in production)
        env.setdefault("SANIC_HOST", values.sanic_host)
    # endpoints.scaled.yml reads the action server's full URL (nginx in the scaled setup).
    env.setdefault("ACTIONS_URL", values.actions_url)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def rasa_interface(env: Mapping[str, str]) -> str | None:
    """Where Rasa listens: `RASA_INTERFACE`, else loopback in production, else Rasa's default."""
    return read("RASA_INTERFACE", env) or None


def commands(env: Mapping[str, str]) -> dict[str, list[str]]:
    """Each process's command line."""
    rasa = str(BIN / "rasa")
    interface = rasa_interface(env)
    return {
        "actions": [rasa, "run", "actions", "--actions", "actions", "--port", env["ACTIONS_PORT"]],
        "rasa": [
            rasa, "run",
            "--model", env["RASA_MODEL"],
            "--port", env["RASA_PORT"],
            "--enable-api", "--auth-token", env["RASA_TOKEN"],
            "--endpoints", env.get("RASA_ENDPOINTS") or read("RASA_ENDPOINTS", env),
            "--credentials", "credentials.yml",
            *(["--interface", interface] if interface else []),
            "--cors", read("RASA_CORS", env),
        ],
        "web": [PYTHON, "-m", "console", "serve"],
    }


def health_urls(env: Mapping[str, str]) -> dict[str, str]:
    """The URL that answers 200 when each process is ready."""
    return {
        "actions": f"http://127.0.0.1:{env['ACTIONS_PORT']}/health",
        "rasa": f"http://127.0.0.1:{env['RASA_PORT']}/",
        "web": f"http://127.0.0.1:{env['WEB_PORT']}/healthz",
    }


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass(frozen=True)
class Process:
    """How to start one process, and the URL that answers 200 once it is ready."""

    command: list[str]
    env: Mapping[str, str]
    health_url: str


def processes(env: Mapping[str, str], names: tuple[str, ...]) -> dict[str, Process]:
    """The processes of `make run` (`commands` and `health_urls`), those in `names`."""
    lines, urls = commands(env), health_urls(env)
    return {name: Process(lines[name], env, urls[name]) for name in names}


@dataclass
class Stack:
    """The running processes of the assistant.

    By default the three of `make run`, or those in `names`; `specs` (name → Process)
    replaces them with any set of processes (tools/scaled.py).
    """

    env: dict[str, str]
    log_dir: Path | None = None
    names: tuple[str, ...] = ("actions", "rasa", "web")
    specs: dict[str, Process] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.specs:
            self.names = tuple(self.specs)
        else:
            self.specs = processes(self.env, self.names)

    def start(self, timeout: float = 240.0) -> Stack:
        """Migrates the database, starts every process and waits until each answers."""
        (ROOT / "var").mkdir(exist_ok=True)
        subprocess.run(
            [PYTHON, "-m", "store.migrate"], cwd=ROOT, env=self.env, check=True,
            stdout=subprocess.DEVNULL,
        )
        for name in self.names:
            self._launch(name)
        self._wait_ready(self.names, timeout)
        return self

    def log_path(self, name: str) -> Path | None:
        """Where the output of process `name` goes (None: this terminal)."""
        return None if self.log_dir is None else self.log_dir / f"{name}.log"

    def _launch(self, name: str) -> None:
        output = None
        log_path = self.log_path(name)
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            output = open(log_path, "ab")  # noqa: SIM115
        spec = self.specs[name]
        try:
            self.processes[name] = subprocess.Popen(
                spec.command, cwd=ROOT, env=dict(spec.env), stdout=output,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        finally:
            if output is not None:
                output.close()  # the child has its own copy

    def kill(self, name: str) -> None:
        """Kills one process at once (SIGKILL), as a crash would."""
        process = self.processes[name]
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def restart(self, name: str, timeout: float = 240.0) -> None:
        """Starts a process again (after `kill`) and waits until it answers."""
        self.kill(name)
        self._launch(name)
        self._wait_ready((name,), timeout)

    def _wait_ready(self, names: tuple[str, ...], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = {name: self.specs[name].health_url for name in names}
        while pending:
            for name in names:
                process = self.processes[name]
                if process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"{name} exited with code {process.returncode} on start")
            pending = {n: u for n, u in pending.items() if not _answers(u)}
            if pending and time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"not ready after {timeout:.0f} s: {', '.join(pending)}")
            time.sleep(1)

    def stop(self) -> None:
        """Stops every process (SIGTERM, then SIGKILL after 15 s); a second Ctrl-C or
        SIGTERM meanwhile kills the rest at once instead of leaving them running."""
        try:
            for process in self.processes.values():
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            for process in self.processes.values():
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        except KeyboardInterrupt:
            for name in self.processes:
                self.kill(name)
            raise

    def wait(self) -> int:
        """Blocks until one process ends (or Ctrl-C), then stops the rest."""
        try:
            while all(p.poll() is None for p in self.processes.values()):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
        return max((p.returncode or 0) for p in self.processes.values())


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def checked_env(make_env: Callable[[], dict[str, str]]) -> dict[str, str]:
    """What `make run` and `make run-scaled` do before starting anything.

    Ctrl-C and SIGTERM become KeyboardInterrupt (also when started from a script, where
    SIGINT may arrive ignored); `make_env()` builds the environment (with `.env`); a bad
    value, or a configuration refused for production, exits with code 2 and says why;
    a missing model exits with code 1.
    """
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        env = make_env()
        # Every process's settings, before any process starts (the actions' view also
        # checks HOLIDAY_COUNTRY against the holidays package).
        ActionSettings.of(Settings.from_env(env))
        refusal = startup_refusal(env)
    except SettingError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    if refusal:
        print(refusal, file=sys.stderr)
        raise SystemExit(2)
    if not (ROOT / env["RASA_MODEL"]).exists():
        print(f"No model at {env['RASA_MODEL']}: run `make train` first.", file=sys.stderr)
        raise SystemExit(1)
    return env


def main() -> int:
    """`make run`: start everything, print where, wait for Ctrl-C (or SIGTERM)."""
    env = checked_env(stack_env)
    stack = Stack(env)
    print("Starting the action server, the Rasa server and the web app (about a minute)...",
          flush=True)
    try:
        stack.start()
    except KeyboardInterrupt:
        stack.stop()
        return 130
    print(
        f"Ready. REST: http://127.0.0.1:{env['RASA_PORT']}/webhooks/rest/webhook  "
        f"socket.io: http://127.0.0.1:{env['RASA_PORT']}/socket.io  "
        f"Agents' console: http://127.0.0.1:{env['WEB_PORT']}/console/  (Ctrl-C stops all)",
        flush=True,
    )
    return stack.wait()


if __name__ == "__main__":
    sys.exit(main())
