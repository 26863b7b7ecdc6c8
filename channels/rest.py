"""Rasa's REST channel, with internal commands kept out (see channels/commands.py)."""

from __future__ import annotations

from rasa.core.channels.rest import RestInput
from sanic.request import Request

from channels.commands import neutralize


class TenjoRestInput(RestInput):
    """`/webhooks/rest/webhook`, as Rasa's, but a typed `/EXTERNAL_…` is only text."""

    def _extract_message(self, req: Request) -> str | None:
        message = super()._extract_message(req)
        return None if message is None else neutralize(message)
