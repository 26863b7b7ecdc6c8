"""The two systems under test as running processes: where the venvs are, how they start and stop.

`start_tenjo` starts our three processes (actions, web, Rasa) on free ports, one at
a time, with Rasa calling the actions through a `TimingProxy`; `start_bare` starts
`rasa run --enable-api` in the `rasa init` project. Each returns a `System` holding
the processes, the URL, the cold-start seconds (launch to ready, to first answer)
and the resident memory at rest.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.log import log
from bench.sampling import usage
from bench.timing_proxy import TimingProxy
from channels.session_tokens import issue, secret_from_env
from tools.stack import ROOT, commands, health_urls, stack_env

BENCH = ROOT / "bench"
MAIN_BIN = Path(sys.executable).parent  # the main venv: Rasa, our code
BENCH_BIN = BENCH / ".venv" / "bin"  # bench/.venv: Locust, the socket.io client, py-spy
TOKEN = "bench-token"
STAFFED = "2026-12-01T09:00:00-05:00"  # a Tuesday morning: agents on duty

BARE_CREDENTIALS = """\
rest:
socketio:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  session_persistence: true
"""


def free_port() -> str:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def answers(url: str) -> bool:
    """True when the URL answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def launch(command: list[str], cwd: Path, env: dict[str, str], log_file: Path,
           ready_url: str, timeout: float = 300) -> tuple[subprocess.Popen, float]:
    """Starts a process in its own group; (process, seconds until `ready_url` answers)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log_file.open("ab"),
                               stderr=subprocess.STDOUT, start_new_session=True)
    while not answers(ready_url):
        if process.poll() is not None:
            raise RuntimeError(f"{command[:3]} exited with {process.returncode}: see {log_file}")
        if time.perf_counter() - started > timeout:
            stop(process)
            raise TimeoutError(f"{command[:3]} not ready after {timeout:.0f} s")
        time.sleep(0.2)
    return process, time.perf_counter() - started


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the group, SIGKILL after 15 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def rest_turn(url: str, text: str, sender: str) -> float:
    """Seconds for one REST turn (the whole reply)."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    token = issue(sender, secret_from_env())  # the session's token (bare Rasa ignores it)
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
    return time.perf_counter() - started


class System:
    """One running assistant: its processes, its URL, its cold-start figures."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.processes: dict[str, subprocess.Popen] = {}
        self.cold: dict[str, float] = {}
        self.rest_mb: dict[str, float] = {}
        self.url = ""
        self.proxy: TimingProxy | None = None

    @property
    def pids(self) -> dict[str, int]:
        return {name: p.pid for name, p in self.processes.items()}

    def settle(self) -> None:
        """First answer after start (Rasa's lazy loading), then memory at rest."""
        self.cold["rasa_first_answer"] = round(self.cold["rasa"] + rest_turn(
            self.url, "hola" if self.name == "tenjo" else "hello", "bench-cold-start"), 2)
        time.sleep(3)
        self.rest_mb = {n: round(usage(pid)[1] / 2**20, 1) for n, pid in self.pids.items()}

    def stop(self) -> None:
        for process in self.processes.values():
            stop(process)


def start_tenjo(work: Path, model: str, logs: Path, database_url: str | None = None) -> System:
    """Our three processes, one at a time (cold start each), on a fresh SQLite by default."""
    system = System("tenjo")
    env = stack_env({
        "RASA_PORT": free_port(), "ACTIONS_PORT": free_port(), "WEB_PORT": free_port(),
        "DATABASE_URL": database_url or f"sqlite:///{work}/tenjo-bench.db", "RASA_MODEL": model,
        "RASA_TOKEN": TOKEN, "TENJO_FAKE_NOW": STAFFED,
        "RATE_LIMIT_MESSAGES": "1000000", "RATE_LIMIT_SECONDS": "1",
        # Every simulated citizen comes from 127.0.0.1: no per-address limit either.
        "CHAT_CONNECTIONS_PER_ADDRESS": "1000000", "CHAT_MESSAGES_PER_MINUTE": "1000000",
        "CHAT_SESSIONS_PER_MINUTE": "1000000",
        # The conversations of one phase fall silent when it ends: with the default
        # timers (60 s, then 60 s more) the web app would prompt and then close them
        # during the next phases, turns the stock assistant does not have.
        "INACTIVITY_PROMPT_SECONDS": "3600", "INACTIVITY_CLOSE_SECONDS": "7200",
        "RASA_TELEMETRY_ENABLED": "false",
    })
    subprocess.run([sys.executable, "-m", "store.migrate"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    urls = health_urls(env)
    proxy_port = free_port()
    system.proxy = TimingProxy(int(proxy_port), int(env["ACTIONS_PORT"])).start()
    rasa_env = dict(env, ACTIONS_PORT=proxy_port)  # Rasa calls the actions through the proxy
    for name in ("actions", "web", "rasa"):
        log(f"starting ours: {name}")
        process, seconds = launch(commands(env)[name], ROOT, rasa_env if name == "rasa" else env,
                                  logs / f"tenjo-{name}.log", urls[name])
        system.processes[name] = process
        system.cold[name] = round(seconds, 1)
    system.url = f"http://127.0.0.1:{env['RASA_PORT']}"
    system.settle()
    return system


def start_bare(work: Path, logs: Path) -> System:
    """`rasa run --enable-api` in the stock project (in-memory tracker store)."""
    system = System("bare")
    port = free_port()
    log("starting the bare Rasa")
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    command = [str(MAIN_BIN / "rasa"), "run", "--model", "models", "--port", port,
               "--enable-api", "--auth-token", TOKEN, "--credentials", "credentials.yml",
               "--cors", "*"]
    process, seconds = launch(command, work / "bare", env, logs / "bare-rasa.log",
                              f"http://127.0.0.1:{port}/")
    system.processes["rasa"] = process
    system.cold["rasa"] = round(seconds, 1)
    system.url = f"http://127.0.0.1:{port}"
    system.settle()
    return system
