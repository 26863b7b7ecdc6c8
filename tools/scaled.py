"""`make run-scaled`: two Rasa servers and two action servers behind nginx, on PostgreSQL and Redis.

Processes (names for `ScaledStack.kill` / `restart`): `rasa-a`, `rasa-b`,
`actions-a`, `actions-b`, `web` (the web app, one process) and `nginx`, which
serves the one public origin (`SCALED_PORT`) and, on loopback only, Rasa's HTTP
API for the web app (`SCALED_API_PORT`) and the action servers for Rasa
(`SCALED_ACTIONS_PORT`). The configuration comes from deploy/nginx.conf.template.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from settings import DOTENV, LOOPBACK, with_dotenv
from settings.defaults import DEFAULT_SCALED_DATABASE_URL, DEFAULT_SCALED_REDIS_URL
from settings.table import default_env, local_url, read
from tools.stack import ROOT, Process, Stack, checked_env, commands, health_urls, stack_env

TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
REPLICAS = ("a", "b")
SCALED_DEFAULTS = {
    **{name: default_env(name) for name in (
        "SCALED_HOST", "SCALED_PORT", "SCALED_API_PORT", "SCALED_ACTIONS_PORT", "RASA_A_PORT",
        "RASA_B_PORT", "ACTIONS_A_PORT", "ACTIONS_B_PORT", "WEB_PORT", "NGINX_PREFIX",
    )},
    "DATABASE_URL": DEFAULT_SCALED_DATABASE_URL,
    "REDIS_URL": DEFAULT_SCALED_REDIS_URL,
    # The web app sees nginx as its peer; the client is the address nginx forwards.
    "CONSOLE_TRUSTED_PROXIES": "1",
    "CHAT_TRUSTED_PROXIES": "1",
    # Only nginx is reached from outside.
    "RASA_INTERFACE": LOOPBACK,
    "SANIC_HOST": LOOPBACK,
}


class SetupError(Exception):
    """Something the scaled stack needs is missing; the message says what to do."""


def scaled_env(overrides: Mapping[str, str] | None = None,
               dotenv: Path | None = DOTENV) -> dict[str, str]:
    """The environment of the scaled stack: the defaults, then `dotenv` (the `.env` file
    at the root, when present), then this process's environment, then the overrides; each
    wins over the ones before (as `stack_env`).

    Derived unless set: `RASA_URL` (nginx's loopback API), `RASA_SERVER_URLS` (each
    replica's own API, for the editors' publications), `ACTIONS_URL` (nginx's
    action upstream), `CHAT_SOCKET_URL` and `CHAT_ALLOWED_ORIGINS` (the public origin).
    """
    env = {**with_dotenv(os.environ, dotenv), **(overrides or {})}
    for key, value in SCALED_DEFAULTS.items():
        if not env.get(key):
            env[key] = value
    env.setdefault("SCALED_PUBLIC_URL", local_url(env["SCALED_HOST"], env["SCALED_PORT"]))
    env.setdefault("RASA_URL", f"http://127.0.0.1:{env['SCALED_API_PORT']}")
    env.setdefault("ACTIONS_URL", f"http://127.0.0.1:{env['SCALED_ACTIONS_PORT']}/webhook")
    env.setdefault("CHAT_SOCKET_URL", env["SCALED_PUBLIC_URL"])
    env.setdefault("CHAT_ALLOWED_ORIGINS", env["SCALED_PUBLIC_URL"])
    env.setdefault("RASA_PORT", env["RASA_A_PORT"])
    # An editor's publication loads its model into each replica, not through nginx.
    env.setdefault("RASA_SERVER_URLS", ",".join(
        f"http://127.0.0.1:{env[port]}" for port in ("RASA_A_PORT", "RASA_B_PORT")))
    env.setdefault("ACTIONS_PORT", env["ACTIONS_A_PORT"])
    return stack_env(env, dotenv=None)


def nginx_binary(env: Mapping[str, str]) -> str:
    """`NGINX`, else Debian's /usr/sbin/nginx, else `nginx` on the PATH (SetupError if none)."""
    if env.get("NGINX"):
        if os.access(env["NGINX"], os.X_OK):
            return env["NGINX"]
        raise SetupError(f"NGINX is set to {env['NGINX']}, which is not an executable")
    for candidate in ("/usr/sbin/nginx", shutil.which("nginx")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise SetupError("nginx is needed: run `make nginx` (Debian's nginx), or set NGINX to its path")


def nginx_config(env: Mapping[str, str], prefix: Path, as_root: bool) -> str:
    """deploy/nginx.conf.template with its @NAME@ placeholders filled in."""
    values = {
        "USER": "user root;  # workers must write the temp paths" if as_root else "",
        "PREFIX": str(prefix),
        **{key: env[key] for key in (
            "SCALED_HOST", "SCALED_PORT", "SCALED_API_PORT", "SCALED_ACTIONS_PORT",
            "RASA_A_PORT", "RASA_B_PORT", "ACTIONS_A_PORT", "ACTIONS_B_PORT", "WEB_PORT",
        )},
        "CHAT_SESSIONS_PER_MINUTE": str(read("CHAT_SESSIONS_PER_MINUTE", env)),
        "CHAT_MESSAGES_PER_MINUTE": str(read("CHAT_MESSAGES_PER_MINUTE", env)),
        "CHAT_CONNECTIONS_ALL_REPLICAS": str(2 * read("CHAT_CONNECTIONS_PER_ADDRESS", env)),
    }
    return re.sub(r"@([A-Z_]+)@", lambda match: values[match.group(1)], TEMPLATE.read_text())


def nginx_command(binary: str, prefix: Path) -> list[str]:
    """nginx in the foreground, every file it writes inside `prefix`."""
    return [binary, "-p", f"{prefix}/", "-e", str(prefix / "logs" / "error.log"),
            "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"]


def write_nginx_config(env: Mapping[str, str]) -> Path:
    """Writes `NGINX_PREFIX`/nginx.conf (and its folders) and checks it with `nginx -t`."""
    prefix = Path(env["NGINX_PREFIX"]).resolve()
    for folder in ("logs", "temp"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    (prefix / "nginx.conf").write_text(nginx_config(env, prefix, os.geteuid() == 0))
    check = subprocess.run(
        [*nginx_command(nginx_binary(env), prefix)[:-2], "-t", "-q"],
        capture_output=True, text=True,
    )
    if check.returncode != 0:
        detail = (check.stderr.strip().splitlines() or ["no output"])[-1]
        raise SetupError(f"nginx refuses {prefix / 'nginx.conf'}: {detail}")
    return prefix


def redis_problem(url: str) -> str | None:
    """Why Redis at `url` cannot be used, or None when it answers PING."""
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except (RedisError, OSError, ValueError) as error:
        return f"Redis is not reachable at {url} ({str(error).rstrip('.')})"
    return None


def _server_engine(url: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    server = make_url(url).set(database="postgres")
    return create_engine(server, future=True, isolation_level="AUTOCOMMIT",
                         connect_args={"connect_timeout": 5})


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def ensure_database(url: str) -> None:
    """Creates the PostgreSQL database of `url` if it does not exist (SetupError if impossible)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    try:
        parsed = make_url(url)
    except ArgumentError:
        parsed = None
    if parsed is None or not parsed.drivername.startswith("postgresql") or not parsed.database:
        raise SetupError("the scaled setup needs PostgreSQL: set DATABASE_URL to a URL like "
                         "postgresql://user@host:5432/tenjo")
    engine = _server_engine(url)
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": parsed.database},
            ).first()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise SetupError(f"PostgreSQL is not usable at {_shown(url)} ({reason}): start it, "
                         "or set DATABASE_URL to a server where the user may CREATE DATABASE"
                         ) from None
    finally:
        engine.dispose()


def fresh_database(server_url: str) -> str:
    """A new, empty database with a random name on the server of `server_url` (for tests)."""
    from sqlalchemy.engine import make_url

    url = make_url(server_url).set(database=f"tenjo_scaled_{uuid.uuid4().hex[:12]}")
    url = url.render_as_string(hide_password=False)
    ensure_database(url)
    return url


def drop_database(url: str) -> None:
    """Drops the database of `url`, closing whatever is still connected to it."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    engine = _server_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(
                text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
            )
    finally:
        engine.dispose()


def scaled_processes(env: Mapping[str, str]) -> dict[str, Process]:
    """nginx, the two action servers, the two Rasa servers and the web app."""
    prefix = Path(env["NGINX_PREFIX"]).resolve()
    specs = {
        "nginx": Process(
            nginx_command(nginx_binary(env), prefix), env,
            f"http://127.0.0.1:{env['SCALED_API_PORT']}/nginx-health",
        ),
    }
    for kind, port_key in (("actions", "ACTIONS_PORT"), ("rasa", "RASA_PORT")):
        for replica in REPLICAS:
            own = {**env, port_key: env[f"{kind.upper()}_{replica.upper()}_PORT"]}
            specs[f"{kind}-{replica}"] = Process(
                commands(own)[kind], own, health_urls(own)[kind]
            )
    specs["web"] = Process(commands(env)["web"], env, health_urls(env)["web"])
    return specs


@dataclass
class ScaledStack(Stack):
    """The scaled stack: `ScaledStack(scaled_env({...}), log_dir).start()`.

    `kill(name)`, `restart(name)`, `stop()` and `wait()` are `Stack`'s; `supervise()`
    is what `make run-scaled` waits with.
    """

    def __post_init__(self) -> None:
        if not self.specs:
            self.specs = scaled_processes(self.env)
        super().__post_init__()

    def prepare(self) -> None:
        """Checks Redis, creates the database if missing, writes and checks nginx.conf.

        SetupError, before anything starts, when Redis, PostgreSQL or nginx is missing.
        """
        problem = redis_problem(self.env["REDIS_URL"])
        if problem:
            raise SetupError(f"{problem}: start it, or set REDIS_URL to a Redis server")
        ensure_database(self.env["DATABASE_URL"])
        write_nginx_config(self.env)

    def start(self, timeout: float = 300.0) -> ScaledStack:
        """`prepare`, migrate, start every process and wait until each answers.

        The two Rasa servers start in parallel (about a minute each on two cores).
        """
        self.prepare()
        super().start(timeout)
        return self

    def supervise(self, max_restarts: int = 5) -> int:
        """Until Ctrl-C (or SIGTERM): a process that ends is started again, as a service
        manager would, so the other replica carries on meanwhile; one that ended more
        than `max_restarts` times stops everything. Returns the exit status."""
        restarts = dict.fromkeys(self.processes, 0)
        status = 0
        try:
            while not status:
                for name, process in self.processes.items():
                    if process.poll() is None:
                        continue
                    if restarts[name] >= max_restarts:
                        print(f"{name} keeps ending: stopping everything", file=sys.stderr)
                        status = process.returncode or 1
                        break
                    restarts[name] += 1
                    print(f"{name} ended with code {process.returncode}: starting it again",
                          file=sys.stderr, flush=True)
                    self._launch(name)
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
        return status

    @property
    def front_url(self) -> str:
        """nginx's public origin, as reached from this machine."""
        return local_url(self.env["SCALED_HOST"], self.env["SCALED_PORT"])

    @property
    def api_url(self) -> str:
        """nginx's loopback front of Rasa's HTTP API (the web app's RASA_URL)."""
        return f"http://127.0.0.1:{self.env['SCALED_API_PORT']}"

    def rasa_url(self, name: str) -> str:
        """The direct loopback URL of one Rasa replica (`rasa-a` or `rasa-b`)."""
        return f"http://127.0.0.1:{self.specs[name].env['RASA_PORT']}"

    @property
    def nginx_prefix(self) -> Path:
        """nginx's folder: nginx.conf, nginx.pid, logs/access.log, logs/error.log, temp/."""
        return Path(self.env["NGINX_PREFIX"]).resolve()

    @property
    def access_log(self) -> Path:
        """nginx's access log (each line has `upstream=<address>` after the status)."""
        return self.nginx_prefix / "logs" / "access.log"


def main() -> int:
    """`make run-scaled`: start everything, print where, wait for Ctrl-C (or SIGTERM)."""
    env = checked_env(scaled_env)
    log_dir = ROOT / "var" / "scaled" / "logs"
    shown = log_dir.relative_to(ROOT)
    try:
        stack = ScaledStack(env, log_dir=log_dir)
        stack.prepare()
    except SetupError as error:
        print(f"Cannot start: {error}.", file=sys.stderr)
        return 1
    print("Starting nginx, two action servers, two Rasa servers and the web app "
          f"(a minute or so; logs in {shown}/)...", flush=True)
    try:
        stack.start()
    except SetupError as error:
        print(f"Cannot start: {error}.", file=sys.stderr)
        return 1
    except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as error:
        stack.stop()
        print(f"{error}: see {shown}/", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        stack.stop()
        return 130
    print(
        f"Ready. Widget: {stack.front_url}/  Agents' console: {stack.front_url}/console/  "
        f"REST: {stack.front_url}/webhooks/rest/webhook  socket.io: {stack.front_url}/socket.io  "
        f"(Rasa replicas {stack.rasa_url('rasa-a')} and {stack.rasa_url('rasa-b')}; "
        "Ctrl-C stops all)",
        flush=True,
    )
    return stack.supervise()


if __name__ == "__main__":
    sys.exit(main())
