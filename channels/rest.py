"""Rasa's REST channel, with internal commands kept out and the message guard in front.

A request speaks for one conversation only with that conversation's signed token
(`Authorization: Bearer …`, issued by the web app's `POST /chat/session`, see
channels/session_tokens.py): knowing a citizen's sender id is not enough.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage, Unauthorized
from sanic.request import Request

import rasa_runtime
from channels.client_limits import client_address
from channels.commands import neutralize
from channels.guard import CLIENT_ADDRESS, MessageGuard, guarded, valid_sender
from channels.session_tokens import session_of
from rasa_runtime import turn_order
from settings import Settings, current, current_or_exit


class TenjoRestInput(RestInput):
    """`/webhooks/rest/webhook`, as Rasa's, but a typed `/EXTERNAL_…` is only text, and an
    empty, oversized or flooding message gets a polite answer (channels/guard.py), and
    the sender must match the request's session token."""

    _secret: str | None = None
    settings: Settings | None = None

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """As Rasa's; a bad setting stops Rasa as it starts, naming the variable (exit 2)."""
        values = current_or_exit()
        channel = super().from_credentials(credentials)
        channel.settings = values
        return channel

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Rasa's blueprint, its handler behind the guard."""
        values = self.settings or current()
        self._secret = values.chat_token_secret
        blueprint = super().blueprint(
            turn_order.stamped(guarded(on_new_message, MessageGuard.from_settings(values))))
        trusted_proxies = values.chat_trusted_proxies

        @blueprint.middleware("request")
        async def note_client_address(req: Request) -> None:
            CLIENT_ADDRESS.set(client_address(
                req.ip or "unknown", req.headers.get("X-Forwarded-For", ""), trusted_proxies))

        rasa_runtime.install(blueprint)
        return blueprint

    @staticmethod
    def _body(req: Request) -> dict:
        body = req.json
        if not isinstance(body, dict):
            raise InvalidUsage('Envíe un objeto JSON: {"sender": "…", "message": "…"}.')
        return body

    async def _extract_sender(self, req: Request) -> str:
        sender = self._body(req).get("sender")
        if not valid_sender(sender):
            raise InvalidUsage("El campo sender debe ser un identificador de hasta 128 "
                               "caracteres (letras, números, guiones).")
        scheme, _, token = (req.headers.get("Authorization") or "").partition(" ")
        values = self.settings or current()
        secret = self._secret or values.chat_token_secret
        proven = session_of(token.strip(), secret, values.chat_token_max_idle_seconds)
        if scheme.lower() != "bearer" or proven != sender:
            raise Unauthorized("Esta conversación necesita su credencial de sesión vigente "
                               "(Authorization: Bearer …, de POST /chat/session).",
                               scheme="Bearer")
        return sender

    def _extract_message(self, req: Request) -> str:
        message = self._body(req).get("message")
        return neutralize(message) if isinstance(message, str) else ""
