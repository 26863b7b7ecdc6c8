"""Helpers of the console tests: fake clock, recording relay, a browser-like client, seeding."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from waitress import create_server

from console.relay import RelayError
from store.db import session_for
from store.handoffs import request_handoff

# Tuesday 1 December 2026, 09:00 in Bogotá: agents on duty, morning greeting.
NOW = datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)
PASSWORD = "una-clave-larga-2026"
PQRD_URL = "https://pqrd.example.gov.co/formulario"
SURVEY_URL = "https://encuesta.example.gov.co/"
PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(1)>"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class RecordingRelay:
    """Records every trigger; raises RelayError while `failing`."""

    calls: list[tuple[str, str, dict]] = field(default_factory=list)
    failing: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def trigger(self, conversation_id: str, intent: str, entities: dict[str, Any]) -> None:
        if self.failing:
            raise RelayError("Rasa is down (test)")
        with self.lock:
            self.calls.append((conversation_id, intent, dict(entities)))

    def intents(self) -> list[str]:
        return [intent for _, intent, _ in self.calls]


def csrf_token(html: str) -> str:
    """The CSRF token a browser would read from the page's meta tag."""
    match = CSRF_META.search(html)
    assert match, "the page has no csrf-token meta tag"
    return match.group(1)


def seed_handoff(
    database_url: str,
    conversation_id: str,
    citizen_name: str | None = "Ana María",
    topic: str | None = "faq/impuesto_predial",
    transcript: list[tuple[str, str]] | None = None,
    at: datetime = NOW,
) -> int:
    """A waiting hand-off with its transcript; its id."""
    lines = transcript or [("citizen", "Quiero hablar con un funcionario"),
                           ("bot", "Por favor espere un momento.")]
    with session_for(database_url) as session:
        handoff = request_handoff(
            session, conversation_id, citizen_name, topic,
            [(author, text, at) for author, text in lines], at,
        )
        return handoff.id


class Console:
    """A browser-like wrapper over the test client: logs in, reads and sends the CSRF token."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()

    def token(self, path: str = "/console/login") -> str:
        return csrf_token(self.client.get(path).get_data(as_text=True))

    def login(self, username: str, password: str = PASSWORD):
        token = self.token("/console/login")
        return self.client.post(
            "/console/login",
            data={"username": username, "password": password, "csrf_token": token},
        )

    def post_json(self, path: str, body: dict | None = None, token: str | None = None):
        token = token if token is not None else self.token("/console/")
        return self.client.post(
            path, json=body or {},
            headers={"X-CSRFToken": token, "Accept": "application/json"},
        )

    def take(self, handoff_id: int):
        return self.post_json(f"/console/handoffs/{handoff_id}/take")

    def reply(self, handoff_id: int, text: str):
        return self.post_json(f"/console/handoffs/{handoff_id}/messages", {"text": text})

    def close(self, handoff_id: int, outcome: str):
        return self.post_json(f"/console/handoffs/{handoff_id}/close", {"outcome": outcome})


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """The app served by waitress on a free port, in a background thread; its base URL."""
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="console-under-test", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)
