"""Signed chat-session tokens: a conversation belongs to whoever holds its token.

Stock Rasa trusts the session id a client sends, so anyone who learns it reads the
replies and writes into the conversation. Here the web app issues the session id
together with an HMAC-SHA256 signature made with `CHAT_TOKEN_SECRET`
(`POST /chat/session`); the socket.io channel binds a connection to the session
its token names, the REST channel answers only the token's own sender, and
`POST /chat/history` reads only the token's conversation.

A token is `<session id>.<issued at, Unix seconds>.<signature>`:

- it expires `CHAT_TOKEN_MAX_IDLE_SECONDS` after it was issued (24 h by default). The
  widget renews it (`POST /chat/session` with the token) when the page opens and at
  each reconnection, so only a conversation left alone that long loses it; the widget
  then starts a new one without an error.
- `CHAT_TOKEN_SECRET` may list several secrets separated by commas: the first signs,
  every one is accepted. To rotate, put the new secret first and drop the old one
  once every token it signed has expired.

Standard library and the settings package: the web app, the channels and the benchmark
share it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Mapping

from settings import read
from settings.defaults import DEFAULT_CHAT_TOKEN_MAX_IDLE_SECONDS, DEFAULT_CHAT_TOKEN_SECRET

DEFAULT_SECRET = DEFAULT_CHAT_TOKEN_SECRET  # the development default (settings package)
DEFAULT_MAX_IDLE_SECONDS = DEFAULT_CHAT_TOKEN_MAX_IDLE_SECONDS
_CONTEXT = b"tenjo-chat-session-v2:"
_SESSION_ID = re.compile(r"[A-Za-z0-9_.:@-]{1,128}")  # as channels.guard.valid_sender
_ISSUED = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[A-Za-z0-9_-]{43}")
# A token issued a little "in the future" by a server whose clock is ahead still counts.
CLOCK_SKEW_SECONDS = 300


def secret_from_env(env: Mapping[str, str] | None = None) -> str:
    """`CHAT_TOKEN_SECRET` of `env` (default: this process's environment), or the
    development default (refused in production)."""
    return read("CHAT_TOKEN_SECRET", env)


def secrets_of(secret: str) -> tuple[str, ...]:
    """The secrets a `CHAT_TOKEN_SECRET` value lists (comma-separated); the first signs."""
    listed = tuple(part.strip() for part in secret.split(",") if part.strip())
    return listed or (secret,)


def _signature(session_id: str, issued: str, secret: str) -> str:
    message = _CONTEXT + session_id.encode() + b"." + issued.encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue(session_id: str, secret: str, now: float | None = None) -> str:
    """The token of `session_id`, issued `now` (default: the clock), signed with the
    first of `secret`'s secrets (ValueError for an id the channels would refuse)."""
    if not _SESSION_ID.fullmatch(session_id):
        raise ValueError("a session id is 1–128 letters, digits, '_', '.', ':', '@' or '-'")
    issued = str(int(time.time() if now is None else now))
    return f"{session_id}.{issued}.{_signature(session_id, issued, secrets_of(secret)[0])}"


def session_of(token: object, secret: str, max_idle: float = DEFAULT_MAX_IDLE_SECONDS,
               now: float | None = None) -> str | None:
    """The session id a token proves, or None for anything forged, malformed, signed
    with no secret of `secret`, or issued more than `max_idle` seconds before `now`."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    rest, _, signature = token.rpartition(".")
    session_id, _, issued = rest.rpartition(".")
    if not (_SESSION_ID.fullmatch(session_id) and _ISSUED.fullmatch(issued)
            and _SIGNATURE.fullmatch(signature)):
        return None
    if not any(hmac.compare_digest(signature, _signature(session_id, issued, key))
               for key in secrets_of(secret)):
        return None
    age = (time.time() if now is None else now) - int(issued)
    if age > max_idle or age < -CLOCK_SKEW_SECONDS:
        return None
    return session_id


def new_session(secret: str, now: float | None = None) -> tuple[str, str]:
    """A fresh session id (128 random bits) and its token."""
    session_id = secrets.token_hex(16)
    return session_id, issue(session_id, secret, now)
