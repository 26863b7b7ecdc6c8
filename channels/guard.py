"""Bounds on what a public channel passes to Rasa: size, invisible characters, pace.

Stock Rasa spent more than 20 s on one 100 KB message, stalling every other
conversation of the process; a flood of messages from one session does the same.
Here a message is cleaned of control and invisible characters, and one that is
empty, too long or too fast gets a polite answer instead of a turn.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage

from settings import Settings, current
from settings.defaults import (
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
TRACKED_SENDERS = 100_000

TOO_LONG = (
    "Su mensaje es demasiado largo para este chat. Por favor escriba su consulta en un "
    "mensaje más corto, de hasta {limit} caracteres."
)
EMPTY = "Su mensaje llegó vacío. Por favor escriba su consulta."
TOO_FAST = (
    "Está enviando mensajes muy seguidos. Por favor espere un momento y escriba de nuevo "
    "su consulta en un solo mensaje."
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
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_chars = max_chars
        self.max_messages, self.window = rate
        self._clock = clock
        self._recent: OrderedDict[str, deque] = OrderedDict()

    @classmethod
    def from_settings(cls, values: Settings | None = None) -> MessageGuard:
        """`MAX_MESSAGE_CHARS`, `RATE_LIMIT_MESSAGES`, `RATE_LIMIT_SECONDS` (default: this
        process's settings)."""
        values = values or current()
        return cls(
            max_chars=values.max_message_chars,
            rate=(values.rate_limit_messages, values.rate_limit_seconds),
        )

    def _too_fast(self, sender_id: str) -> bool:
        now = self._clock()
        times = self._recent.pop(sender_id, None) or deque()
        while times and now - times[0] > self.window:
            times.popleft()
        times.append(now)
        self._recent[sender_id] = times
        if len(self._recent) > TRACKED_SENDERS:
            self._recent.popitem(last=False)
        return len(times) > self.max_messages

    def check(self, sender_id: str, text: str) -> tuple[str | None, str | None]:
        """(text for Rasa, None) or (None, the polite answer)."""
        if self._too_fast(sender_id):
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
    """`on_new_message` behind the guard: refused messages are answered on their channel."""

    async def handle(message: UserMessage) -> Any:
        text, refusal = guard.check(message.sender_id, message.text or "")
        if refusal is not None:
            await message.output_channel.send_text_message(message.sender_id, refusal)
            return None
        message.text = text
        return await on_new_message(message)

    return handle
