"""The citizens' socket.io channel: Rasa 3.6's, made safe to resend and to replicate.

Rasa's `SocketIOInput` builds its socket.io server inside `blueprint()`, so this
subclass rebuilds that method (same events, same payloads) to add:

- a shared client manager when `REDIS_URL` is set (python-socketio's
  `AsyncRedisManager`), so a push handled by one Rasa replica (an agent's reply,
  an inactivity prompt) reaches a citizen connected to another;
- exactly-once handling of a message by its `metadata.client_message_id`
  (channels/message_ids.py): the widget resends what was not acknowledged, also
  when a Rasa process died mid-turn, and the resend is handled once;
- recording the citizen's activity in the store for the inactivity rule (P3);
- the message guard (channels/guard.py): empty, oversized or flooding messages
  get a polite answer instead of a turn;
- a connection bound to one conversation: it must present the signed token the
  web app issued (`auth={"token": …}`, channels/session_tokens.py); the session id
  a client sends is ignored, so knowing another citizen's id is worth nothing;
- the action server's answers checked with a validator built once
  (channels/action_validation.py), and its failures answered politely instead of
  with silence (channels/action_failure.py);
- internal commands kept out: a typed `/EXTERNAL_…` or `/restart` is only text
  (channels/commands.py);
- with many citizens at once, the processor goes on with the oldest turn first
  (channels/turn_order.py), so a turn that waited for the action server does not
  queue behind newer ones; the policies' states are extended instead of replayed
  (channels/past_states.py) and the rules matched against the recent ones
  (channels/rule_matching.py): all installed by channels/runtime.py;
- custom JSON messages that reach the citizen: Rasa 3.6 passes them to
  `AsyncServer.emit` as keyword arguments, which fails for any payload but
  `{"data": …}`; here they arrive as `{"custom": {…}}`, as on the REST channel.

Its name stays `socketio`, so `trigger_intent?output_channel=socketio` finds it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer
from socketio.exceptions import ConnectionRefusedError

from channels import heap, runtime, turn_order
from channels.commands import neutralize
from channels.guard import MessageGuard, guarded
from channels.message_ids import DONE, MessageIds, message_key
from channels.session_tokens import secret_from_env, session_of

logger = logging.getLogger(__name__)

def allowed_origins(env: dict[str, str] | None = None) -> list[str]:
    """The sites whose pages may open a socket: `CHAT_ALLOWED_ORIGINS`, comma-separated.

    Unset or "*" (empty list): any site, as stock Rasa. Otherwise a connection whose
    `Origin` is not in the list is refused; list the web app's own origin too, as its
    demo page and widget are served from there.
    """
    raw = ((env if env is not None else os.environ).get("CHAT_ALLOWED_ORIGINS") or "").strip()
    if not raw or raw == "*":
        return []
    return [origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip()]


def record_activity(database_url: str, conversation_id: str) -> None:
    """Stamps the citizen's latest message (real time: silence is real time)."""
    from store.activity import touch
    from store.db import session_for

    with session_for(database_url) as session:
        touch(session, conversation_id, datetime.now(timezone.utc))


class TenjoSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, with custom JSON sent like every other message."""

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Emits `{"custom": json_message}` to the citizen's room."""
        await self._send_message(recipient_id, {"custom": json_message})


class TenjoSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with a shared manager, resend dropping and activity."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Rasa's credentials, plus `redis_url` and `database_url` (default: environment)."""
        credentials = credentials or {}
        channel = super().from_credentials(credentials)
        channel.redis_url = credentials.get("redis_url") or os.environ.get("REDIS_URL") or None
        channel.database_url = (
            credentials.get("database_url") or os.environ.get("DATABASE_URL") or None
        )
        return channel

    redis_url: str | None = None
    database_url: str | None = None

    def get_output_channel(self) -> TenjoSocketIOOutput | None:
        """The output for pushes through Rasa's HTTP API (`output_channel=socketio`)."""
        if self.sio is None:
            return None
        return TenjoSocketIOOutput(self.sio, self.bot_message_evt)

    def _server(self) -> AsyncServer:
        manager = AsyncRedisManager(self.redis_url) if self.redis_url else None
        # cors_allowed_origins=[] leaves CORS headers to Sanic, as Rasa does (two sets of
        # headers would make browsers refuse); the origin is checked on connect instead.
        return AsyncServer(async_mode="sanic", cors_allowed_origins=[], client_manager=manager)

    async def _record(self, conversation_id: str) -> None:
        if not self.database_url:
            return
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, record_activity, self.database_url, conversation_id)
        except Exception:  # the chat goes on even if the store is briefly unreachable
            logger.exception("could not record the conversation's activity")

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The socket.io server and its events (as Rasa 3.6's, with the additions above)."""
        runtime.install()
        sio = self._server()
        message_ids = MessageIds(self.redis_url)
        on_new_message = guarded(on_new_message, MessageGuard.from_env())
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        heap.freeze_after_start(socketio_webhook)
        self.sio = sio

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        origins = allowed_origins()
        secret = secret_from_env()

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict, auth: dict | None) -> None:
            origin = (environ.get("HTTP_ORIGIN") or "").rstrip("/")
            if origins and origin and origin not in origins:
                logger.info("socket refused: page of a site not in CHAT_ALLOWED_ORIGINS")
                raise ConnectionRefusedError("origin_not_allowed")
            token = auth.get("token") if isinstance(auth, dict) else None
            session_id = session_of(token, secret)
            if session_id is None:
                raise ConnectionRefusedError("invalid_token")
            await sio.save_session(sid, {"session_id": session_id}, namespace=self.namespace)

        async def bound_session(sid: str) -> str | None:
            try:
                session = await sio.get_session(sid, namespace=self.namespace)
            except KeyError:  # disconnected meanwhile
                return None
            return session.get("session_id")

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            session_id = await bound_session(sid)
            if session_id is None:
                return
            if self.session_persistence:
                sio.enter_room(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            turn_order.message_received()
            if not isinstance(data, dict):
                return
            sender_id = await bound_session(sid) if self.session_persistence else sid
            if sender_id is None:
                return
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            if not isinstance(metadata, dict):
                metadata = {}
            key = message_key(sender_id, metadata.get("client_message_id"))
            if key and await message_ids.wait_turn(key) == DONE:
                logger.debug("dropped a resent message")
                return
            message = UserMessage(
                neutralize(data.get("message", "")),
                TenjoSocketIOOutput(sio, self.bot_message_evt),
                sender_id,
                input_channel=self.name(),
                metadata=metadata,
            )
            await self._record(sender_id)
            try:
                await on_new_message(message)
            except BaseException:
                if key:
                    await message_ids.release(key)
                raise
            if key:
                await message_ids.done(key)

        return socketio_webhook
