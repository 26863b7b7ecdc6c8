"""A citizen on the socket.io channel, timed turn by turn, and the scripts citizens follow.

A turn is timed from the `user_uttered` emit to the server's acknowledgement of it,
which python-socketio sends when the handler returns, that is when Rasa has
finished the turn (every `bot_uttered` of the turn arrives before it).
Works with plain threads and under Locust's gevent.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field

import socketio

from channels.session_tokens import issue, secret_from_env

GUARD_REFUSALS = ("Está enviando mensajes muy seguidos", "Su mensaje llegó vacío")

NAMES = ["Ana María", "Pedro", "Luz Marina", "Carlos Andrés", "Rosa", "Jorge Eliécer",
         "Diana", "Manuel", "Gloria Inés", "Fabio"]
GREETINGS = ["hola buenas tardes", "buenos días", "hola", "buenas noches", "buen día"]
FAQ_QUESTIONS = [
    "como pago el impuesto predial",
    "como saco el certificado de residencia",
    "como me inscribo en el sisben",
    "que necesito para una licencia de construccion",
    "donde queda la alcaldia y cual es el telefono",
    "como consulto el estado de mi pqrd",
    "como saco el paz y salvo",
    "que programas sociales tiene el municipio",
    "como afilio a mi familia a la eps",
    "necesito el certificado de estratificacion de mi casa",
    "donde queda la comisaria de familia",
    "como solicito un cupo escolar",
]
YES = ["sí", "si", "sí, gracias"]
NO = ["no", "no, gracias", "no señor"]

BARE_GREETINGS = ["hello", "hi", "hey there", "good morning", "hello there"]
BARE_SAD = ["I am sad", "very sad", "I am feeling down", "unhappy", "so sad"]
BARE_HAPPY = ["I am great", "amazing", "perfect", "very good", "I am feeling good"]
BARE_YES = ["yes", "indeed", "of course", "sounds good"]
BARE_BYE = ["bye", "goodbye", "see you later", "good night"]


def tenjo_script(rng: random.Random) -> list[str]:
    """Greeting, name, an FAQ question, satisfied, another question, satisfied, farewell."""
    first, second = rng.sample(FAQ_QUESTIONS, 2)
    return [rng.choice(GREETINGS), f"me llamo {rng.choice(NAMES)}", first, rng.choice(YES),
            second, rng.choice(YES), rng.choice(NO)]


def bare_script(rng: random.Random) -> list[str]:
    """What `rasa init`'s assistant understands, seven turns like `tenjo_script`."""
    return [rng.choice(BARE_GREETINGS), rng.choice(BARE_SAD), rng.choice(BARE_YES),
            rng.choice(BARE_GREETINGS), rng.choice(BARE_HAPPY), "are you a bot?",
            rng.choice(BARE_BYE)]


def long_script(system: str, turns: int) -> list[str]:
    """One long conversation: FAQ questions each confirmed ("sí"), or stock moods."""
    if system == "tenjo":
        body = [text for question in FAQ_QUESTIONS for text in (question, "sí")]
        start = ["hola", "me llamo Ana"]
    else:
        body = ["I am sad", "yes", "hello", "I am great"]
        start = ["hello"]
    return (start + body * (turns // len(body) + 1))[:turns]


@dataclass
class Turn:
    """One timed turn."""

    text: str
    seconds: float | None  # None: no acknowledgement within the timeout
    replies: list[str] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        """Why the turn failed, or None."""
        if self.seconds is None:
            return "timeout"
        if not self.replies:
            return "no reply"
        if any(r.startswith(GUARD_REFUSALS) for r in self.replies):
            return "refused by the guard"
        return None


class Citizen:
    """One socket.io conversation with session persistence, as the widget opens it."""

    def __init__(self, url: str, session_id: str | None = None, timeout: float = 60.0) -> None:
        self.session_id = session_id or f"bench-{uuid.uuid4().hex}"
        self.timeout = timeout
        self._lock = threading.Lock()
        self._replies: list[str] = []
        self._client = socketio.Client(reconnection=False)
        self._client.on("bot_uttered", self._on_bot)
        confirmed = threading.Event()
        self._client.on("session_confirm", lambda *_: confirmed.set())
        # The session's signed token, as the web app issues it (the bare Rasa ignores it).
        token = issue(self.session_id, secret_from_env())
        self._client.connect(url, socketio_path="/socket.io", wait_timeout=timeout,
                             auth={"token": token})
        self._client.emit("session_request", {"session_id": self.session_id})
        if not confirmed.wait(timeout):
            self.close()
            raise TimeoutError("no session_confirm")

    def _on_bot(self, message: dict) -> None:
        with self._lock:
            self._replies.append(message.get("text", "") if isinstance(message, dict) else "")

    def say(self, text: str) -> Turn:
        """Sends one message and waits for the end of the turn (the server's ack)."""
        done = threading.Event()
        with self._lock:
            self._replies = []
        started = time.perf_counter()
        ended: list[float] = []

        def ack(*_: object) -> None:
            ended.append(time.perf_counter())
            done.set()

        self._client.emit(
            "user_uttered",
            {"message": text, "session_id": self.session_id,
             "metadata": {"client_message_id": uuid.uuid4().hex}},
            callback=ack,
        )
        finished = done.wait(self.timeout)
        with self._lock:
            replies = list(self._replies)
        return Turn(text, ended[0] - started if finished else None, replies)

    def close(self) -> None:
        """Disconnects."""
        try:
            self._client.disconnect()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass
