"""Faults on the scaled stack (nginx, two Rasa, two action servers, PostgreSQL, Redis).

Real processes killed with SIGKILL mid-conversation. After each, the conversation
goes on where it was, a waiting hand-off stays in the queue, inactivity timers still
fire, and no message the citizen sent is lost or handled twice. The citizen talks
through nginx as the widget does: socket.io with a sticky `lb` key, its session's
token, and the widget's resend of an unacknowledged message after reconnecting.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import update

from console.accounts import create_agent_account
from rasa_runtime.action_failure import TECHNICAL_PROBLEM
from store.db import session_for
from store.handoffs import latest_handoff
from store.models import ConversationActivity
from tests import live_clients as clients
from tests.live_clients import ConsoleAgent, SocketCitizen, replica_for
from tests.protocol_texts import DATA_NOTICE, NOTICE_AND_ASK_NAME

pytestmark = pytest.mark.stack

GREETING = "Buenos días, cordial saludo por parte de la administración municipal de Tenjo."
ASK_NAME = "¿Me puede indicar su nombre, por favor?"
HOW_CAN_HELP = "¿En qué le puedo ayudar?"
SATISFACTION = "¿Es satisfactoria la respuesta?"
MORE_QUESTIONS = "¿Tiene alguna otra consulta?"
PREDIAL = "como pago el impuesto predial"
PROMPT = "¿Se encuentra en línea? Por favor confírmenos para poder atender su consulta."
P6 = "Por favor espere un momento, en instantes le enviaré la información que usted necesita."
PASSWORD = "una-clave-de-prueba-larga"


# ------------------------------------------------------------------------------ helpers

def new_session(scaled) -> tuple[str, str]:
    """A conversation id and its token, from the web app through nginx."""
    return clients.new_session(scaled.front_url)


def sticky_key(scaled, replica: str) -> str:
    """An `lb` key that nginx sends to `replica` (while both are alive)."""
    for _ in range(64):
        lb = uuid.uuid4().hex[:12]
        if replica_for(scaled.front_url, lb) == replica:
            return lb
    raise AssertionError(f"no key reached {replica}")


def other(replica: str) -> str:
    return "rasa-b" if replica == "rasa-a" else "rasa-a"


def tracker(scaled, sender: str) -> dict:
    response = requests.get(f"{scaled.api_url}/conversations/{sender}/tracker",
                            params={"token": scaled.env["RASA_TOKEN"]}, timeout=30)
    response.raise_for_status()
    return response.json()


def user_texts(scaled, sender: str) -> list[str]:
    return [e["text"] for e in tracker(scaled, sender)["events"] if e["event"] == "user"]


def bot_texts(scaled, sender: str) -> list[str]:
    return [e["text"] for e in tracker(scaled, sender)["events"]
            if e["event"] == "bot" and e.get("text")]


def rest(scaled, url: str, sender: str, token: str, text: str) -> list[str]:
    """One REST turn on `url` (nginx's front or one replica); the bot's texts."""
    response = requests.post(f"{url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": text},
                             headers={"Authorization": f"Bearer {token}"}, timeout=120)
    response.raise_for_status()
    return [m["text"] for m in response.json() if "text" in m]


def until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def backdate_silence(scaled, sender: str, seconds: float) -> None:
    """Makes the citizen's last message `seconds` old, as if they had been silent."""
    with session_for(scaled.env["DATABASE_URL"]) as session:
        session.execute(
            update(ConversationActivity)
            .where(ConversationActivity.conversation_id == sender)
            .values(last_activity_at=datetime.now(timezone.utc) - timedelta(seconds=seconds))
        )
        session.commit()


def signal_group(scaled, name: str, signum: int) -> None:
    os.killpg(scaled.processes[name].pid, signum)


class Citizen:
    """A widget-like citizen: socket.io through nginx, reconnecting with the same token."""

    def __init__(self, scaled, lb: str | None = None) -> None:
        self.scaled = scaled
        self.session_id, self.token = new_session(scaled)
        self.lb = lb or uuid.uuid4().hex[:12]
        self.socket = self._connect()

    def _connect(self) -> SocketCitizen:
        return SocketCitizen(self.scaled.front_url, self.session_id, token=self.token,
                             lb=self.lb)

    def say(self, text: str) -> list[str]:
        """One turn, acknowledged like the widget's; the bot's texts."""
        return self.socket.turn(text)

    def reconnect(self) -> None:
        """What the widget does when its socket drops: a new connection, same session."""
        try:
            self.socket.close()
        except Exception:  # already gone with the killed replica
            pass
        self.socket = self._connect()

    def close(self) -> None:
        try:
            self.socket.close()
        except Exception:
            pass


@pytest.fixture
def citizen_on(scaled):
    """Citizens made by the test, closed at its end: `citizen_on("rasa-a")`."""
    made: list[Citizen] = []

    def make(replica: str | None = None) -> Citizen:
        citizen = Citizen(scaled, sticky_key(scaled, replica) if replica else None)
        made.append(citizen)
        return citizen

    yield make
    for citizen in made:
        citizen.close()


def agent(scaled) -> ConsoleAgent:
    """A logged-in agent through nginx (the account is created on first use)."""
    username = f"agente{uuid.uuid4().hex[:6]}"
    create_agent_account(scaled.env["DATABASE_URL"], username, "Agente", PASSWORD,
                         datetime.now(timezone.utc))
    console = ConsoleAgent(scaled.front_url)
    assert console.login(username, PASSWORD).ok
    return console


def waiting_in_queue(scaled, sender: str) -> bool:
    with session_for(scaled.env["DATABASE_URL"]) as session:
        handoff = latest_handoff(session, sender)
    if handoff is None or handoff.status != "waiting":
        return False
    queue = agent(scaled).get("/console/api/queue")
    return any(row["id"] == handoff.id for row in queue.json()["waiting"])


def up_to_satisfaction(citizen: Citizen) -> None:
    """Greeting, name, one question: the satisfaction question is pending."""
    assert citizen.say("hola") == [GREETING, DATA_NOTICE, ASK_NAME]
    assert citizen.say("me llamo Rosa") == ["Mucho gusto, Rosa.", HOW_CAN_HELP]
    assert citizen.say(PREDIAL)[-1] == SATISFACTION


def still_where_it_was(scaled, citizen: Citizen) -> None:
    """The name is remembered and the pending satisfaction question still pending."""
    assert tracker(scaled, citizen.session_id)["slots"]["nombre"] == "Rosa"
    assert citizen.say("si") == [MORE_QUESTIONS]


# ------------------------------------------------------------------------------ tests

def test_two_messages_of_one_citizen_on_two_replicas_are_handled_in_order(scaled):
    """Redis's lock store: the second waits for the first, whichever replica has it."""
    sender, token = new_session(scaled)
    replies: dict[str, list[str]] = {}

    def send(replica: str, text: str) -> None:
        replies[text] = rest(scaled, scaled.rasa_url(replica), sender, token, text)

    first = threading.Thread(target=send, args=("rasa-a", "hola"))
    second = threading.Thread(target=send, args=("rasa-b", "me llamo Rosa"))
    first.start()
    time.sleep(0.05)
    second.start()
    first.join(120)
    second.join(120)
    assert replies == {"hola": [GREETING, DATA_NOTICE, ASK_NAME],
                       "me llamo Rosa": ["Mucho gusto, Rosa.", HOW_CAN_HELP]}
    assert bot_texts(scaled, sender) == [GREETING, NOTICE_AND_ASK_NAME, "Mucho gusto, Rosa.",
                                         HOW_CAN_HELP]


def test_a_killed_rasa_server_the_conversation_goes_on_on_the_other(scaled, citizen_on):
    citizen = citizen_on("rasa-a")
    up_to_satisfaction(citizen)
    scaled.kill("rasa-a")
    try:
        citizen.reconnect()  # nginx now sends the sticky key to the live replica
        still_where_it_was(scaled, citizen)
        assert citizen.say("no")[0].startswith("Gracias por su consulta.")
    finally:
        scaled.restart("rasa-a")


def test_a_message_in_flight_when_its_rasa_server_dies_is_answered_once(scaled, citizen_on):
    """Killed mid-turn (the action servers frozen to hold the turn open): the widget's
    resend after reconnecting is answered by the other replica, once."""
    citizen = citizen_on("rasa-b")
    assert citizen.say("hola") == [GREETING, DATA_NOTICE, ASK_NAME]
    assert citizen.say("me llamo Rosa") == ["Mucho gusto, Rosa.", HOW_CAN_HELP]
    message = {"message": PREDIAL, "session_id": citizen.session_id,
               "metadata": {"client_message_id": uuid.uuid4().hex}}
    acknowledged = threading.Event()
    for name in ("actions-a", "actions-b"):
        signal_group(scaled, name, signal.SIGSTOP)
    try:
        citizen.socket._client.emit("user_uttered", message,
                                    callback=lambda *_: acknowledged.set())
        time.sleep(2)  # rasa-b has taken it and waits for an action
        scaled.kill("rasa-b")
    finally:
        for name in ("actions-a", "actions-b"):
            signal_group(scaled, name, signal.SIGCONT)
    try:
        assert not acknowledged.is_set(), "the citizen never saw it answered"
        citizen.reconnect()
        resent = threading.Event()
        citizen.socket._client.emit("user_uttered", message, callback=lambda *_: resent.set())
        assert resent.wait(150), "the resend was acknowledged (after the dead lease expired)"
        texts = citizen.socket.texts(quiet=2, timeout=10)
        assert texts and texts[0].startswith("Sobre el impuesto predial")
        assert texts[-1] == SATISFACTION
        assert user_texts(scaled, citizen.session_id).count(PREDIAL) == 1
        assert bot_texts(scaled, citizen.session_id).count(SATISFACTION) == 1
    finally:
        scaled.restart("rasa-b")


def test_one_action_server_killed_the_other_answers(scaled, citizen_on):
    citizen = citizen_on()
    scaled.kill("actions-a")
    try:
        up_to_satisfaction(citizen)
        still_where_it_was(scaled, citizen)
    finally:
        scaled.restart("actions-a")


def test_no_action_server_a_polite_message_then_recovery(scaled, citizen_on):
    """Stock Rasa answers nothing; here the citizen is told at once, and the next
    message after an action server returns is answered normally."""
    citizen = citizen_on()
    assert citizen.say("hola") == [GREETING, DATA_NOTICE, ASK_NAME]
    assert citizen.say("me llamo Rosa") == ["Mucho gusto, Rosa.", HOW_CAN_HELP]
    scaled.kill("actions-a")
    scaled.kill("actions-b")
    try:
        started = time.monotonic()
        assert citizen.say(PREDIAL) == [TECHNICAL_PROBLEM]
        print(f"polite message after {time.monotonic() - started:.2f} s")
        assert PREDIAL in user_texts(scaled, citizen.session_id), "what was said is kept"
        scaled.restart("actions-a")
        answer = citizen.say(PREDIAL)
        assert answer[0].startswith("Sobre el impuesto predial") and answer[-1] == SATISFACTION
    finally:
        scaled.restart("actions-a")
        scaled.restart("actions-b")


def test_a_killed_console_the_queue_and_the_timers_survive(scaled, citizen_on):
    waiting = citizen_on()
    assert waiting.say("hola") == [GREETING, DATA_NOTICE, ASK_NAME]
    assert waiting.say("me llamo Ana") == ["Mucho gusto, Ana.", HOW_CAN_HELP]
    assert waiting.say("quiero hablar con un funcionario")[0] == P6
    idle = citizen_on()
    assert idle.say("hola") == [GREETING, DATA_NOTICE, ASK_NAME]
    scaled.kill("web")
    backdate_silence(scaled, idle.session_id, 3600)  # falls due while nobody sweeps
    scaled.restart("web")
    assert waiting_in_queue(scaled, waiting.session_id)
    assert idle.socket.wait_for(PROMPT, timeout=30)[-1] == PROMPT


def test_everything_restarted_the_conversations_go_on(scaled, citizen_on):
    talking = citizen_on()
    up_to_satisfaction(talking)
    waiting = citizen_on()
    waiting.say("hola")
    waiting.say("me llamo Ana")
    assert waiting.say("quiero hablar con un funcionario")[0] == P6
    idle = citizen_on()
    assert idle.say("hola") == [GREETING, DATA_NOTICE, ASK_NAME]
    for name in list(scaled.processes):
        scaled.kill(name)
    backdate_silence(scaled, idle.session_id, 3600)
    scaled.start(timeout=420)
    talking.reconnect()
    still_where_it_was(scaled, talking)
    assert waiting_in_queue(scaled, waiting.session_id)
    idle.reconnect()
    until(lambda: PROMPT in bot_texts(scaled, idle.session_id), 30, "the inactivity prompt")
