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
  web app issued (`auth={"token": …}`, channels/session_tokens.py), not expired; the
  session id a client sends is ignored, so knowing another citizen's id is worth nothing;
- per client address, at most `CHAT_CONNECTIONS_PER_ADDRESS` open connections
  (refused with `too_many_connections`) and `CHAT_MESSAGES_PER_MINUTE` messages
  (channels/client_limits.py);
- the Rasa server's replacements installed (rasa_runtime.install(): the action
  server's failures answered politely, the oldest turn first under load, ...).
- custom JSON messages that reach the citizen: Rasa 3.6 passes them to
  `AsyncServer.emit` as keyword arguments, which fails for any payload but
  `{"data": …}`; here they arrive as `{"custom": {…}}`, as on the REST channel.

Its name stays `socketio`, so `trigger_intent?output_channel=socketio` finds it.
`blueprint()` registers the socket.io events on top-level handlers below, each given
the `SocketContext` of the server it serves.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer
from socketio.exceptions import ConnectionRefusedError

import rasa_runtime
from channels.client_limits import OpenConnections, client_address
from channels.commands import neutralize
from channels.guard import CLIENT_ADDRESS, MessageGuard, guarded
from channels.message_ids import DONE, MessageIds, lease_of, message_key
from channels.session_tokens import session_of
from rasa_runtime import turn_order
from settings import Settings, current, current_or_exit

logger = logging.getLogger(__name__)


def origin_list(origins: tuple[str, ...]) -> list[str]:
    """The setting's origins as the connect handler checks them ([]: any site)."""
    return [] if origins == ("*",) else list(origins)


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
        """Rasa's credentials, plus `redis_url` and `database_url` (default: the settings).

        Rasa builds its channels when it starts: a bad setting stops it there, naming
        the variable (exit code 2).
        """
        credentials = credentials or {}
        values = current_or_exit()
        channel = super().from_credentials(credentials)
        channel.settings = values
        channel.redis_url = credentials.get("redis_url") or values.redis_url or None
        channel.database_url = credentials.get("database_url") or values.database_url or None
        return channel

    redis_url: str | None = None
    database_url: str | None = None
    settings: Settings | None = None

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

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The socket.io server and its events (as Rasa 3.6's, with the additions above)."""
        values = self.settings or current()
        sio = self._server()
        self.sio = sio
        context = SocketContext(
            sio=sio,
            channel=self,
            on_new_message=guarded(on_new_message, MessageGuard.from_settings(values)),
            message_ids=MessageIds(self.redis_url, lease_seconds=lease_of(values)),
            origins=origin_list(values.chat_allowed_origins),
            secret=values.chat_token_secret,
            token_max_idle=values.chat_token_max_idle_seconds,
            connections=OpenConnections(values.chat_connections_per_address),
            trusted_proxies=values.chat_trusted_proxies,
        )
        webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        webhook.add_route(health, "/", methods=["GET"])
        for event, handler in (
            ("connect", connect),
            ("disconnect", disconnect),
            ("session_request", session_request),
            (self.user_message_evt, handle_message),
        ):
            sio.on(event, namespace=self.namespace)(functools.partial(handler, context))
        rasa_runtime.install(webhook)
        return webhook


@dataclass(frozen=True)
class SocketContext:
    """What the event handlers of one socket.io server share."""

    sio: AsyncServer
    channel: TenjoSocketIOInput
    on_new_message: Callable[[UserMessage], Awaitable[Any]]
    message_ids: MessageIds
    origins: list[str]
    secret: str
    token_max_idle: int
    connections: OpenConnections
    trusted_proxies: int


async def health(_: Request) -> HTTPResponse:
    """`GET /socket.io/`: the channel is up (as Rasa's)."""
    return response.json({"status": "ok"})


def connecting_address(environ: dict, trusted_proxies: int) -> str:
    """The client address of a connection (engine.io's REMOTE_ADDR under Sanic is
    always 127.0.0.1, so the Sanic request's own peer is read)."""
    request = environ.get("sanic.request")
    peer = getattr(request, "ip", None) or "unknown"
    return client_address(peer, environ.get("HTTP_X_FORWARDED_FOR", ""), trusted_proxies)


async def connect(context: SocketContext, sid: str, environ: dict, auth: dict | None) -> None:
    """Accepts a connection from an allowed site that presents a valid session token,
    within its address's limit of open connections, and binds it to that token's
    conversation."""
    origin = (environ.get("HTTP_ORIGIN") or "").rstrip("/")
    if context.origins and origin and origin not in context.origins:
        logger.info("socket refused: page of a site not in CHAT_ALLOWED_ORIGINS")
        raise ConnectionRefusedError("origin_not_allowed")
    token = auth.get("token") if isinstance(auth, dict) else None
    session_id = session_of(token, context.secret, context.token_max_idle)
    if session_id is None:
        raise ConnectionRefusedError("invalid_token")
    address = connecting_address(environ, context.trusted_proxies)
    if not context.connections.acquire(address):
        logger.info("socket refused: too many open connections from one address")
        raise ConnectionRefusedError("too_many_connections")
    await context.sio.save_session(
        sid, {"session_id": session_id, "address": address},
        namespace=context.channel.namespace)


async def disconnect(context: SocketContext, sid: str, *_: Any) -> None:
    """A connection closed: one fewer for its address."""
    address = (await connection_session(context, sid)).get("address")
    if address:
        context.connections.release(address)


async def bound_session(context: SocketContext, sid: str) -> str | None:
    """The conversation a connection was bound to on connect (None once it is gone)."""
    return (await connection_session(context, sid)).get("session_id")


async def connection_session(context: SocketContext, sid: str) -> dict:
    """What connect saved of a connection: its conversation and address ({} once gone)."""
    try:
        return await context.sio.get_session(sid, namespace=context.channel.namespace)
    except KeyError:  # disconnected meanwhile
        return {}


async def session_request(context: SocketContext, sid: str, data: Any) -> None:
    """Confirms the bound conversation (the id the client sends is ignored) and joins
    its room, so that pushes reach every tab of the conversation."""
    session_id = await bound_session(context, sid)
    if session_id is None:
        return
    if context.channel.session_persistence:
        # A coroutine since python-socketio 5.10 (Rasa 3.6's own handler never awaits it).
        await context.sio.enter_room(sid, session_id, namespace=context.channel.namespace)
    await context.sio.emit("session_confirm", session_id, room=sid)


def message_metadata(data: dict, key: str) -> dict:
    """The message's metadata as a dict (a JSON string is decoded; anything else is {})."""
    metadata = data.get(key) or {}
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            metadata = {}
    return metadata if isinstance(metadata, dict) else {}


async def handle_message(context: SocketContext, sid: str, data: Any) -> None:
    """A citizen's message: handled once per `client_message_id`, activity recorded,
    then passed to Rasa behind the guard."""
    turn_order.message_received()
    if not isinstance(data, dict):
        return
    channel = context.channel
    connection = await connection_session(context, sid)
    sender_id = connection.get("session_id") if channel.session_persistence else sid
    if sender_id is None:
        return
    CLIENT_ADDRESS.set(connection.get("address"))
    metadata = message_metadata(data, channel.metadata_key)
    key = message_key(sender_id, metadata.get("client_message_id"))
    if key and await context.message_ids.wait_turn(key) == DONE:
        logger.debug("dropped a resent message")
        return
    message = UserMessage(
        neutralize(data.get("message", "")),
        TenjoSocketIOOutput(context.sio, channel.bot_message_evt),
        sender_id,
        input_channel=channel.name(),
        metadata=metadata,
    )
    await record_activity_in_background(channel.database_url, sender_id)
    try:
        await context.on_new_message(message)
    except BaseException:
        if key:
            await context.message_ids.release(key)
        raise
    if key:
        await context.message_ids.done(key)


async def record_activity_in_background(database_url: str | None, conversation_id: str) -> None:
    """`record_activity` on a worker thread; a store briefly unreachable stops nothing."""
    if not database_url:
        return
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(None, record_activity, database_url, conversation_id)
    except Exception:  # the chat goes on even if the store is briefly unreachable
        logger.exception("could not record the conversation's activity")
