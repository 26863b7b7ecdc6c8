"""Signed chat-session tokens: a conversation belongs to whoever holds its token.

Stock Rasa trusts the session id a client sends, so anyone who learns it reads the
replies and writes into the conversation. Here the web app issues the session id
together with an HMAC-SHA256 signature made with `CHAT_TOKEN_SECRET`
(`POST /chat/session`); the socket.io channel binds a connection to the session
its token names, the REST channel answers only the token's own sender, and
`POST /chat/history` reads only the token's conversation.

Standard library and the settings package: the web app, the channels and the benchmark
share it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping

from settings import read
from settings.defaults import DEFAULT_CHAT_TOKEN_SECRET

DEFAULT_SECRET = DEFAULT_CHAT_TOKEN_SECRET  # the development default (settings package)
_CONTEXT = b"tenjo-chat-session:"
_SESSION_ID = re.compile(r"[A-Za-z0-9_.:@-]{1,128}")  # as channels.guard.valid_sender
_SIGNATURE = re.compile(r"[A-Za-z0-9_-]{43}")


def secret_from_env(env: Mapping[str, str] | None = None) -> str:
    """`CHAT_TOKEN_SECRET` of `env` (default: this process's environment), or the
    development default (refused in production)."""
    return read("CHAT_TOKEN_SECRET", env)


def _signature(session_id: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), _CONTEXT + session_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue(session_id: str, secret: str) -> str:
    """The token of `session_id` (ValueError for an id the channels would refuse)."""
    if not _SESSION_ID.fullmatch(session_id):
        raise ValueError("a session id is 1–128 letters, digits, '_', '.', ':', '@' or '-'")
    return f"{session_id}.{_signature(session_id, secret)}"


def session_of(token: object, secret: str) -> str | None:
    """The session id a token proves, or None for anything forged or malformed."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    session_id, _, signature = token.rpartition(".")
    if not _SESSION_ID.fullmatch(session_id) or not _SIGNATURE.fullmatch(signature):
        return None
    if not hmac.compare_digest(signature, _signature(session_id, secret)):
        return None
    return session_id


def new_session(secret: str) -> tuple[str, str]:
    """A fresh session id (128 random bits) and its token."""
    session_id = secrets.token_hex(16)
    return session_id, issue(session_id, secret)
