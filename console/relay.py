"""Tells the bot about console events through Rasa's HTTP API (`EXTERNAL_…` intents)."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote

import requests

from console.settings import ConsoleSettings

TIMEOUT_SECONDS = 15


class RelayError(Exception):
    """Rasa could not be reached or refused the event."""


class Relay(Protocol):
    """What the console needs to pass an event to a conversation."""

    def trigger(self, conversation_id: str, intent: str, entities: dict[str, Any]) -> None:
        """Triggers `intent` in the conversation; RelayError on failure."""


class RasaRelay:
    """POSTs `trigger_intent` to Rasa, with the output going to the citizen's socket.io channel."""

    def __init__(self, settings: ConsoleSettings, timeout: float = TIMEOUT_SECONDS) -> None:
        self.base_url = settings.rasa_url.rstrip("/")
        self.token = settings.rasa_token
        self.timeout = timeout

    def trigger(self, conversation_id: str, intent: str, entities: dict[str, Any]) -> None:
        """Triggers `intent` with `entities`; RelayError when Rasa fails or answers an error."""
        url = f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/trigger_intent"
        try:
            response = requests.post(
                url,
                params={"output_channel": "socketio", "token": self.token},
                json={"name": intent, "entities": entities},
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise RelayError(f"Rasa is not reachable: {type(error).__name__}") from error
        if response.status_code >= 400:
            raise RelayError(f"Rasa answered {response.status_code}: {response.text[:200]}")
