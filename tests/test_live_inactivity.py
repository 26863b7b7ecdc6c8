"""P3 end to end, on a stack of its own with short timers (4 s prompt, 8 s close).

The timers live in the database and the web app's sweep sends them, so they must
still fire after the Rasa server is killed and started again, and reach a citizen
connected to one Rasa process when the sweep talks to another (sockets shared
through Redis).
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from store.activity import activity_of
from store.db import session_for
from tests.conftest import STAFFED, free_port
from tests.live_clients import SocketCitizen
from tests.on_duty import OnDutyAgent
from tests.protocol_texts import ASK_NAME
from tools.stack import Stack, stack_env

pytestmark = pytest.mark.stack

PROMPT = "¿Se encuentra en línea? Por favor confírmenos para poder atender su consulta."
CLOSED = (
    "Como no recibimos respuesta, damos por terminada esta conversación. Si necesita "
    "orientación, puede iniciar una nueva conversación cuando lo desee."
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reachable(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=2):
            return True
    except OSError:
        return False


@dataclass
class QuietStack:
    """Two Rasa processes (A for citizens, B for the web app's calls), actions, web app."""

    stack: Stack
    second_rasa: Stack
    env: dict[str, str]
    database_url: str

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.env['RASA_PORT']}"

    def bot_texts(self, sender: str) -> list[str]:
        """Every bot text of the conversation, from the tracker (Rasa's HTTP API)."""
        url = f"{self.rasa_url}/conversations/{sender}/tracker?token=test-token"
        with urllib.request.urlopen(url, timeout=30) as response:
            events = json.loads(response.read())["events"]
        return [e["text"] for e in events if e["event"] == "bot" and e.get("text")]


@pytest.fixture(scope="module")
def quiet(tmp_path_factory) -> Iterator[QuietStack]:
    """The stack with short timers; REDIS_URL shares sockets between the two Rasa processes."""
    if not redis_reachable(REDIS_URL):
        pytest.fail(f"Redis is needed at {REDIS_URL} (set TEST_REDIS_URL to another address)")
    folder = tmp_path_factory.mktemp("quiet")
    clock_file = folder / "now.txt"
    clock_file.write_text(STAFFED)
    database_url = f"sqlite:///{folder}/app.db"
    second_port = free_port()
    env = stack_env({
        "RASA_PORT": free_port(), "ACTIONS_PORT": free_port(), "WEB_PORT": free_port(),
        "DATABASE_URL": database_url, "TENJO_FAKE_NOW": f"@{clock_file}",
        "RASA_TOKEN": "test-token", "REDIS_URL": REDIS_URL,
        "RASA_URL": f"http://127.0.0.1:{second_port}",
        "INACTIVITY_PROMPT_SECONDS": "4", "INACTIVITY_CLOSE_SECONDS": "8",
        "SWEEP_INTERVAL_SECONDS": "0.5",
    })
    second = Stack({**env, "RASA_PORT": second_port}, log_dir=folder / "logs-b", names=("rasa",))
    stack = Stack(env, log_dir=folder / "logs")
    on_duty = None
    try:
        stack.start()
        second.start()
        # An agent on duty (R1), so that a request for a person is queued.
        on_duty = OnDutyAgent(f"http://127.0.0.1:{env['WEB_PORT']}", database_url).start()
        yield QuietStack(stack, second, env, database_url)
    finally:
        if on_duty is not None:
            on_duty.stop()
        second.stop()
        stack.stop()


@pytest.fixture
def citizen(quiet, sender) -> Iterator[SocketCitizen]:
    client = SocketCitizen(quiet.rasa_url, sender)
    try:
        yield client
    finally:
        client.close()


def test_prompt_then_close_reach_the_citizen_through_the_other_process(quiet, sender, citizen):
    sent = time.monotonic()
    assert citizen.say("hola")[-1] == ASK_NAME
    assert citizen.wait_for(PROMPT, timeout=20) == [PROMPT]
    assert time.monotonic() - sent >= 3.5, "not before the silence of the setting (4 s)"
    assert citizen.wait_for(CLOSED, timeout=20) == [CLOSED]
    citizen.texts(quiet=1, timeout=3)
    assert citizen.custom == [{"chat_closed": {"reason": "inactivity"}}], "the widget is told"
    with session_for(quiet.database_url) as session:
        assert activity_of(session, sender).close_reason == "inactivity"
    assert citizen.say("hola otra vez", quiet=3) == [], "a closed chat stays closed"


def test_a_reply_resets_the_silence_and_resumes(quiet, sender, citizen):
    citizen.say("hola")
    citizen.say("me llamo Ana")
    assert citizen.wait_for(PROMPT, timeout=20) == [PROMPT]
    again = time.monotonic()
    assert citizen.say("si, aqui estoy") == ["Gracias por confirmar.", "¿En qué le puedo ayudar?"]
    assert citizen.wait_for(PROMPT, timeout=20) == [PROMPT]
    assert time.monotonic() - again >= 3.5, "the silence was counted again from the reply"


def test_no_prompt_while_waiting_for_an_agent(quiet, sender, citizen):
    citizen.say("hola")
    citizen.say("me llamo Ana")
    citizen.say("quiero hablar con un funcionario")
    assert citizen.texts(quiet=1, timeout=12) == []
    assert PROMPT not in quiet.bot_texts(sender)


def test_timers_survive_a_killed_rasa_server(quiet, sender, citizen):
    citizen.say("hola")
    quiet.second_rasa.kill("rasa")  # the process the sweep talks to
    time.sleep(6)  # the prompt falls due while nobody can send it
    assert PROMPT not in quiet.bot_texts(sender)
    quiet.second_rasa.restart("rasa")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and CLOSED not in quiet.bot_texts(sender):
        time.sleep(1)
    assert quiet.bot_texts(sender)[-2:] == [PROMPT, CLOSED]


def test_the_widget_shows_the_prompt_then_the_closed_chat(quiet):
    """P3 in Debian's chromium: the widget receives the prompt and the closing by itself."""
    from playwright.sync_api import expect

    from tests.browser import chromium
    from tests.widget_chat import new_chat

    with chromium() as browser:
        chat = new_chat(browser, quiet, viewport={"width": 1280, "height": 800})
        try:
            chat.open(f"http://127.0.0.1:{quiet.env['WEB_PORT']}")
            chat.expect_message(ASK_NAME)
            chat.expect_message(PROMPT)
            chat.expect_message(CLOSED)
            expect(chat.log).to_contain_text("Esta conversación ha finalizado.")
            expect(chat.input).to_be_hidden()
            expect(chat.page.get_by_role("button", name="Iniciar una nueva conversación")
                   ).to_be_visible()
            assert chat.problems == []
        finally:
            chat.context.close()
