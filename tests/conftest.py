"""Session fixtures: the real Rasa server, action server and web app, started once for all.

Every test is also marked by what it needs beyond Python (`make test-fast` leaves those
out): `stack` (the real servers: the `live` or `scaled` fixture), `browser` (Debian's
chromium, through tests/browser.py) and `services` (the machine's PostgreSQL or Redis:
the `postgresql` and `redis` cases of the database and message-id fixtures).
"""

from __future__ import annotations

import json
import os
import socket
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from channels.session_tokens import issue, secret_from_env
from tests.on_duty import OnDutyAgent
from tools.scaled import (
    ScaledStack,
    SetupError,
    drop_database,
    fresh_database,
    redis_problem,
    scaled_env,
)
from tools.stack import ROOT, Stack, stack_env

pytest_plugins = ["tests.databases"]

NEEDS_SERVICES = {"postgresql", "redis"}  # parameters of fixtures that reach those servers

STAFFED = "2026-12-01T09:00:00-05:00"  # a Tuesday morning, agents on duty


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks each test by what it needs: `stack`, `browser`, `services` (see above)."""
    from tests import browser

    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & {"live", "limited", "scaled"}:
            item.add_marker(pytest.mark.stack)
        if getattr(getattr(item, "module", None), "chromium", None) is browser.chromium:
            item.add_marker(pytest.mark.browser)
        callspec = getattr(item, "callspec", None)
        params = set(map(str, callspec.params.values())) if callspec else set()
        if params & NEEDS_SERVICES or fixtures & {"postgresql_url", "postgres_databases"}:
            item.add_marker(pytest.mark.services)


def free_port() -> str:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


@dataclass
class LiveStack:
    """The running servers and what the tests need to reach them."""

    env: dict[str, str]
    clock_file: Path
    database_url: str
    # A console page reporting presence (R1); `live.on_duty.away()` for "nobody available".
    on_duty: OnDutyAgent

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.env['RASA_PORT']}"

    @property
    def web_url(self) -> str:
        """The web app: the citizens' widget at `/`, the console under `/console/`."""
        return f"http://127.0.0.1:{self.env['WEB_PORT']}"

    console_url = web_url

    def say(self, sender: str, text: str) -> list[dict]:
        """Sends a message on the REST channel (with the session's token); the bot's
        messages in order."""
        body = json.dumps({"sender": sender, "message": text}).encode()
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook", data=body,
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {self.token_of(sender)}"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def token_of(self, sender: str) -> str:
        """The session token the web app would issue for `sender`."""
        return issue(sender, secret_from_env(self.env))

    def tracker(self, sender: str) -> dict:
        """The conversation's tracker, through Rasa's HTTP API (with the token)."""
        url = f"{self.rasa_url}/conversations/{sender}/tracker?token={self.env['RASA_TOKEN']}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())

    def texts(self, sender: str, text: str) -> list[str]:
        """Only the texts of the bot's messages."""
        return [m["text"] for m in self.say(sender, text) if "text" in m]

    @contextmanager
    def clock_at(self, moment: str) -> Iterator[None]:
        """Moves the action server's clock for the duration of the block."""
        self.clock_file.write_text(moment)
        try:
            yield
        finally:
            self.clock_file.write_text(STAFFED)


def live_stack(tmp_path_factory, overrides: dict[str, str] | None = None
               ) -> Iterator[LiveStack]:
    """The real stack on free ports with a fresh SQLite database, started and stopped."""
    model = ROOT / "models" / "tenjo.tar.gz"
    if not model.exists():
        pytest.fail("No trained model at models/tenjo.tar.gz: run `make train` (make test does).")
    folder = tmp_path_factory.mktemp("stack")
    clock_file = folder / "now.txt"
    clock_file.write_text(STAFFED)
    database_url = f"sqlite:///{folder}/app.db"
    # A copy of the fact sheet, so that a test may confirm a fact in the running stack.
    facts = folder / "facts.yml"
    facts.write_text((ROOT / "data" / "facts.yml").read_text(encoding="utf-8"), encoding="utf-8")
    web_port = free_port()
    env = stack_env({
        "FACTS_PATH": str(facts),
        "RASA_PORT": free_port(),
        "ACTIONS_PORT": free_port(),
        "WEB_PORT": web_port,
        # Only the web app's own pages may open a socket (its widget and demo page).
        "CHAT_ALLOWED_ORIGINS": f"http://127.0.0.1:{web_port}",
        "SWEEP_INTERVAL_SECONDS": "0.5",
        "HANDOFF_TIMEOUT_SECONDS": "300",
        # Waiting updates (R2) would interleave with the tests' turns: a test that checks
        # them makes its hand-off's update due in the database.
        "HANDOFF_UPDATE_SECONDS": "3600",
        "DATABASE_URL": database_url,
        "TENJO_FAKE_NOW": f"@{clock_file}",
        "RASA_TOKEN": "test-token",
        # A small window, so that every longer conversation of the tests runs windowed.
        "TRACKER_WINDOW_EVENTS": "40",
        # Every test's citizen comes from 127.0.0.1: no per-address limit but in `limited`.
        "CHAT_SESSIONS_PER_MINUTE": "100000",
        "CHAT_CONNECTIONS_PER_ADDRESS": "100000",
        "CHAT_MESSAGES_PER_MINUTE": "100000",
        **(overrides or {}),
    })
    stack = Stack(env, log_dir=folder / "logs").start()
    on_duty = None
    try:
        on_duty = OnDutyAgent(f"http://127.0.0.1:{web_port}", database_url).start()
        yield LiveStack(env, clock_file, database_url, on_duty)
    finally:
        if on_duty is not None:
            on_duty.stop()
        stack.stop()


@pytest.fixture(scope="session")
def live(tmp_path_factory) -> Iterator[LiveStack]:
    """The real stack, trained model included (`make test` trains before pytest)."""
    yield from live_stack(tmp_path_factory)


@pytest.fixture(scope="session")
def limited(tmp_path_factory) -> Iterator[LiveStack]:
    """A second real stack with small per-address limits, for the flooding tests (the
    other tests all come from 127.0.0.1 and must not meet a limit)."""
    yield from live_stack(tmp_path_factory, {
        "CHAT_SESSIONS_PER_MINUTE": "5",
        "CHAT_CONNECTIONS_PER_ADDRESS": "3",
        "CHAT_MESSAGES_PER_MINUTE": "6",
    })


@pytest.fixture
def sender() -> str:
    """A fresh conversation id."""
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture(scope="session")
def scaled(tmp_path_factory) -> Iterator[ScaledStack]:
    """`make run-scaled` on free ports: nginx, two Rasa and two action servers, the web
    app, a fresh PostgreSQL database (`TEST_POSTGRES_URL`, dropped at the end) and Redis
    (`TEST_REDIS_URL`). Long inactivity timers (tests make a silence old in the
    database) and a short conversation lock, so a killed replica's turn is retried soon.
    """
    if not (ROOT / "models" / "tenjo.tar.gz").exists():
        pytest.fail("No trained model at models/tenjo.tar.gz: run `make train` (make test does).")
    postgres = os.environ.get("TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    redis = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
    problem = redis_problem(redis)
    if problem:
        pytest.fail(f"{problem}; start it, or set TEST_REDIS_URL to a Redis server.",
                    pytrace=False)
    try:
        database_url = fresh_database(postgres)
    except SetupError as error:
        pytest.fail(f"{error} (set TEST_POSTGRES_URL).", pytrace=False)
    folder = tmp_path_factory.mktemp("scaled")
    clock_file = folder / "now.txt"
    clock_file.write_text(STAFFED)
    ports = ("SCALED_PORT", "SCALED_API_PORT", "SCALED_ACTIONS_PORT", "RASA_A_PORT",
             "RASA_B_PORT", "ACTIONS_A_PORT", "ACTIONS_B_PORT", "WEB_PORT")
    env = scaled_env({
        **{name: free_port() for name in ports},
        "SCALED_HOST": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis,
        "NGINX_PREFIX": str(folder / "nginx"),
        "TENJO_FAKE_NOW": f"@{clock_file}",
        "RASA_TOKEN": "test-token",
        "SWEEP_INTERVAL_SECONDS": "0.5",
        "INACTIVITY_PROMPT_SECONDS": "900",
        "INACTIVITY_CLOSE_SECONDS": "1800",
        "HANDOFF_TIMEOUT_SECONDS": "3600",
        "HANDOFF_UPDATE_SECONDS": "3600",
        "TICKET_LOCK_LIFETIME": "20",
        "ACTIONS_TIMEOUT_SECONDS": "10",
    })
    stack = ScaledStack(env, log_dir=folder / "logs")
    try:
        stack.start(timeout=420)
        on_duty = OnDutyAgent(env["SCALED_PUBLIC_URL"], database_url).start()
        try:
            yield stack
        finally:
            on_duty.stop()
    finally:
        stack.stop()
        drop_database(database_url)
