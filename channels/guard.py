"""Bounds on what a public channel passes to Rasa: size, invisible characters, pace.

Stock Rasa spent more than 20 s on one 100 KB message, stalling every other
conversation of the process; a flood of messages from one session, or from many
sessions of one client address, does the same. Here a message is cleaned of control
and invisible characters, and one that is empty, too long or too fast (for its
conversation or for its address) gets a polite answer instead of a turn.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from rasa.core.channels.channel import UserMessage

from channels.client_limits import SlidingWindow
from settings import Settings, current
from settings.defaults import (
    DEFAULT_CHAT_MESSAGES_PER_MINUTE,
    DEFAULT_MAX_MESSAGE_CHARS,
    DEFAULT_RATE_LIMIT_MESSAGES,
    DEFAULT_RATE_LIMIT_SECONDS,
)

# C0/C1 controls except tab and newline; zero-width, word-joiner, BOM and bidi controls.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)
DEFAULT_MAX_CHARS = DEFAULT_MAX_MESSAGE_CHARS
# at most 8 messages in 10 seconds per conversation
DEFAULT_RATE = (DEFAULT_RATE_LIMIT_MESSAGES, DEFAULT_RATE_LIMIT_SECONDS)
ADDRESS_WINDOW_SECONDS = 60.0
# The client address of the message being handled, set by the channel that received it.
CLIENT_ADDRESS: ContextVar[str | None] = ContextVar("client_address", default=None)

TOO_LONG = (
    "Su mensaje es demasiado largo para este chat. Por favor escriba su consulta en un "
    "mensaje más corto, de hasta {limit} caracteres."
)
EMPTY = "Su mensaje llegó vacío. Por favor escriba su consulta."
TOO_FAST = (
    "Está enviando mensajes muy seguidos. Por favor espere un momento y escriba de nuevo "
    "su consulta en un solo mensaje."
)
TOO_MANY_FROM_ADDRESS = (
    "En este momento recibimos demasiados mensajes desde su conexión. Por favor espere "
    "un minuto y escriba de nuevo su consulta."
)


_SENDER = re.compile(r"[A-Za-z0-9_.:@-]{1,128}")


def valid_sender(sender_id: object) -> bool:
    """A conversation id a public channel accepts: short, plain characters."""
    return isinstance(sender_id, str) and bool(_SENDER.fullmatch(sender_id))


def clean_text(text: str) -> str:
    """The text without control or invisible characters, trimmed."""
    return _INVISIBLE.sub("", text).strip()


class MessageGuard:
    """Decides, per message, whether it goes to Rasa or gets a polite answer."""

    def __init__(self, max_chars: int = DEFAULT_MAX_CHARS,
                 rate: tuple[int, float] = DEFAULT_RATE,
                 per_address: int = DEFAULT_CHAT_MESSAGES_PER_MINUTE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_chars = max_chars
        self._per_session = SlidingWindow(*rate, clock=clock)
        self._per_address = SlidingWindow(per_address, ADDRESS_WINDOW_SECONDS, clock=clock)

    @classmethod
    def from_settings(cls, values: Settings | None = None) -> MessageGuard:
        """`MAX_MESSAGE_CHARS`, `RATE_LIMIT_MESSAGES`, `RATE_LIMIT_SECONDS`,
        `CHAT_MESSAGES_PER_MINUTE` (default: this process's settings)."""
        values = values or current()
        return cls(
            max_chars=values.max_message_chars,
            rate=(values.rate_limit_messages, values.rate_limit_seconds),
            per_address=values.chat_messages_per_minute,
        )

    def check(self, sender_id: str, text: str,
              address: str | None = None) -> tuple[str | None, str | None]:
        """(text for Rasa, None) or (None, the polite answer); `address` is the client's
        (None: not known, no per-address limit)."""
        if address is not None and not self._per_address.hit(address):
            return None, TOO_MANY_FROM_ADDRESS
        if not self._per_session.hit(sender_id):
            return None, TOO_FAST
        if len(text) > self.max_chars * 4:  # not even worth cleaning
            return None, TOO_LONG.format(limit=f"{self.max_chars:,}".replace(",", "."))
        cleaned = clean_text(text)
        if not cleaned:
            return None, EMPTY
        if len(cleaned) > self.max_chars:
            return None, TOO_LONG.format(limit=f"{self.max_chars:,}".replace(",", "."))
        return cleaned, None


def guarded(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], guard: MessageGuard
) -> Callable[[UserMessage], Awaitable[Any]]:
    """`on_new_message` behind the guard: refused messages are answered on their channel.
    The client's address comes from `CLIENT_ADDRESS`, never stored with the message."""

    async def handle(message: UserMessage) -> Any:
        text, refusal = guard.check(message.sender_id, message.text or "", CLIENT_ADDRESS.get())
        if refusal is not None:
            await message.output_channel.send_text_message(message.sender_id, refusal)
            return None
        message.text = text
        return await on_new_message(message)

    return handle
