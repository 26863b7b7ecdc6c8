"""The citizens' chat widget: the demo page `/`, the script, its config, history and rules.

- `GET /` the municipality's demo page with the widget embedded (one script tag).
- `GET /widget.js` and `GET /widget/<file>` the widget's script, style sheet and the
  vendored socket.io client (copied from `web/node_modules` by `make widget`).
- `GET /chat/config.json` where the widget's socket.io client reaches Rasa.
- `POST /chat/session` a new conversation's id and its signed token (or, for a valid
  token, the same conversation with a renewed token): the channels serve a
  conversation only to its token's holder. At most `CHAT_SESSIONS_PER_MINUTE` requests
  per client address and minute; beyond, 429 and a polite message.
- `POST /chat/history` the messages of the current session of the token's conversation,
  read from Rasa's tracker, for the widget to show after a reload or a reconnection. The
  token travels only in the body and is never logged.
- `GET /reglas` the chat's terms and the citizen's commitments (P16), from domain.yml.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests
import yaml
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
)

from channels.client_limits import SlidingWindow
from channels.session_tokens import issue, new_session, session_of
from console.auth import client_address
from console.scripts import _first_text
from console.settings import ConsoleSettings
from console.web import services
from store.db import session_for
from store.handoffs import citizen_view

blueprint = Blueprint("widget", __name__)
log = logging.getLogger(__name__)

EXTENSION = "tenjo_widget"
SESSION_LIMIT_EXTENSION = "tenjo_chat_session_limit"
SESSION_LIMIT_WINDOW_SECONDS = 60
TOO_MANY_SESSIONS = (
    "En este momento recibimos demasiadas solicitudes desde su conexión. Por favor "
    "espere un minuto e intente de nuevo."
)
STATIC = Path(__file__).resolve().parent / "static" / "widget"
SOCKET_PATH = "/socket.io"
TRACKER_TIMEOUT_SECONDS = 10
# What the widget generates (32 hex digits); ids of other clients (REST, tests) also pass.
# The widget's own hidden message that makes the bot greet a new conversation.
GREETING_TRIGGER = "/greet"
EXTERNAL_PREFIX = "EXTERNAL: "
# Messages withheld for breaking the chat rules (P10) are never shown again.
WITHHELD_INTENTS = frozenset({"offensive", "commercial"})
ASSET_MAX_AGE = 300
RULES = ("utter_chat_terms", "utter_chat_commitments")


@dataclass(frozen=True)
class RulesText:
    """The paragraphs of the chat's terms and of the citizen's commitments."""

    terms: tuple[str, ...]
    commitments: tuple[str, ...]

    @classmethod
    def load(cls, path: Path, pqrd_url: str, survey_url: str) -> RulesText:
        """Reads both responses from domain.yml; ValueError when one is missing."""
        with open(path, encoding="utf-8") as stream:
            responses = (yaml.safe_load(stream) or {}).get("responses") or {}
        texts = []
        for name in RULES:
            if name not in responses:
                raise ValueError(f"domain.yml: the response {name} is missing")
            text = _first_text(responses[name], name)
            text = text.replace("{pqrd_url}", pqrd_url).replace("{survey_url}", survey_url)
            texts.append(tuple(part.strip() for part in text.split("\n\n") if part.strip()))
        return cls(*texts)


# ---------------------------------------------------------------------------- history


def _current_session(events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The events after the last `session_started` (all of them when there is none)."""
    events = [event for event in events if isinstance(event, Mapping)]
    starts = [i for i, event in enumerate(events) if event.get("event") == "session_started"]
    return events[starts[-1] + 1:] if starts else events


def _buttons(data: Mapping[str, Any]) -> list[dict[str, str]]:
    buttons = data.get("buttons") or data.get("quick_replies") or []
    if not isinstance(buttons, list):
        return []
    return [
        {"title": str(button["title"]), "payload": str(button["payload"])}
        for button in buttons
        if isinstance(button, Mapping) and button.get("title") and button.get("payload")
    ]


def _closed_reason(data: Mapping[str, Any]) -> str | None:
    """The reason of a `chat_closed` custom message, in either shape the channels carry."""
    custom = _mapping(data.get("custom"))
    for holder in (custom, _mapping(custom.get("data"))):
        if isinstance(holder.get("chat_closed"), Mapping):
            return str(holder["chat_closed"].get("reason") or "closed")
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _intent(event: Mapping[str, Any]) -> str:
    intent = _mapping(_mapping(event.get("parse_data")).get("intent"))
    return str(intent.get("name") or "")


def visible_history(tracker: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What the citizen saw in the current session, in order, from a tracker's JSON.

    Citizen messages: their text, except the widget's greeting trigger and anything
    starting with "/" (a button's payload is shown as the title of the button the bot
    offered just before, as the widget showed it), events from Rasa's HTTP API
    ("EXTERNAL: …") and messages withheld for breaking the chat rules. Bot messages:
    split in blocks as the socket.io channel sends them, the buttons on the last block;
    a `chat_closed` custom message becomes `{"closed": reason}`.
    """
    messages: list[dict[str, Any]] = []
    offered: list[dict[str, str]] = []
    events = tracker.get("events")
    for event in _current_session(events if isinstance(events, list) else ()):
        kind = event.get("event")
        if kind == "user":
            text = str(event.get("text") or "").strip()
            if not text or text.startswith(EXTERNAL_PREFIX) or _intent(event) in WITHHELD_INTENTS:
                continue
            if text.startswith("/"):
                titles = [b["title"] for b in offered if b["payload"] == text]
                if text == GREETING_TRIGGER or not titles:
                    continue
                text = titles[0]
            item: dict[str, Any] = {"author": "citizen", "text": text}
            message_id = _mapping(event.get("metadata")).get("client_message_id")
            if isinstance(message_id, str) and message_id:
                item["id"] = message_id
            messages.append(item)
            offered = []
        elif kind == "bot":
            data = _mapping(event.get("data"))
            reason = _closed_reason(data)
            text = str(event.get("text") or "").strip()
            if text:
                buttons = _buttons(data)
                parts = [part for part in text.split("\n\n") if part.strip()] or [text]
                for part in parts:
                    messages.append({"author": "bot", "text": part})
                if buttons:
                    messages[-1]["buttons"] = buttons
                    offered = buttons
            if reason:
                messages.append({"author": "bot", "text": "", "closed": reason})
    return messages


class TrackerUnavailable(Exception):
    """Rasa could not be reached or answered an error."""


def fetch_tracker(settings: ConsoleSettings, session_id: str) -> Mapping[str, Any]:
    """The conversation's tracker from Rasa's HTTP API (the id stays out of any log)."""
    url = f"{settings.rasa_url}/conversations/{quote(session_id, safe='')}/tracker"
    try:
        response = requests.get(
            url, params={"token": settings.rasa_token}, timeout=TRACKER_TIMEOUT_SECONDS
        )
    except requests.RequestException as error:
        raise TrackerUnavailable(type(error).__name__) from None
    if response.status_code == 404:
        return {}
    if response.status_code != 200:
        raise TrackerUnavailable(f"status {response.status_code}")
    try:
        tracker = response.json()
    except ValueError:
        raise TrackerUnavailable("not JSON") from None
    return tracker if isinstance(tracker, Mapping) else {}


# ---------------------------------------------------------------------------- helpers


def socket_url(settings: ConsoleSettings) -> str:
    """CHAT_SOCKET_URL, or this request's scheme and host name with Rasa's port."""
    if settings.chat_socket_url:
        return settings.chat_socket_url
    host = urlsplit(f"//{request.host}").hostname or "127.0.0.1"
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{request.scheme}://{host}:{settings.rasa_port}"


def content_security_policy(settings: ConsoleSettings) -> str:
    """The policy of the widget's pages: only this site, plus Rasa's socket.io."""
    http = urlsplit(socket_url(settings))
    ws = "wss" if http.scheme == "https" else "ws"
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {http.scheme}://{http.netloc} {ws}://{http.netloc}",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'self'",
        )
    )


def _allow_origin(response: Response) -> Response:
    """CORS for the widget embedded in another site (no cookies are involved)."""
    allowed = services().settings.chat_allowed_origins
    origin = request.headers.get("Origin", "")
    if "*" in allowed:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers.add("Vary", "Origin")
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    response.headers["Access-Control-Max-Age"] = "600"
    return response


def _rules() -> RulesText:
    return current_app.extensions[EXTENSION]


# ---------------------------------------------------------------------------- routes


@blueprint.get("/")
def demo_page():
    """The municipality's page with the widget embedded."""
    return render_template("widget_demo.html")


@blueprint.get("/reglas")
def rules_page():
    """The chat's terms and the citizen's commitments (P16)."""
    return render_template("rules.html", rules=_rules())


@blueprint.get("/widget.js")
def widget_script():
    """The one script a page embeds."""
    return _asset("widget.js")


@blueprint.get("/widget/<path:filename>")
def widget_asset(filename: str):
    """The widget's style sheet and the vendored socket.io client."""
    return _asset(filename)


def _asset(filename: str):
    if filename.endswith(".map"):
        abort(404)
    response = send_from_directory(STATIC, filename, max_age=ASSET_MAX_AGE)
    return _allow_origin(response)


@blueprint.route("/chat/config.json", methods=["GET", "OPTIONS"])
def chat_config():
    """Where the widget reaches Rasa's socket.io."""
    settings = services().settings
    response = jsonify({"socket_url": socket_url(settings), "socket_path": SOCKET_PATH})
    response.headers["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}"
    return _allow_origin(response)


def _json_error(message: str, status: int) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return _no_store(_allow_origin(response))


@blueprint.route("/chat/session", methods=["POST", "OPTIONS"])
def chat_session():
    """`{}` → a new conversation `{"session_id", "token"}`; `{"token": …}` → the same
    conversation with a renewed token (an expired, forged or outdated token gets a new
    conversation, which the widget starts without an error).

    The token (channels/session_tokens.py) is what the socket.io and REST channels
    ask for: the session id alone gives nobody access to a conversation. Nothing is
    stored here.
    """
    if request.method == "OPTIONS":
        return _allow_origin(Response(status=204))
    settings = services().settings
    limit: SlidingWindow = current_app.extensions[SESSION_LIMIT_EXTENSION]
    if not limit.hit(client_address(settings.trusted_proxies)):
        response = _json_error(TOO_MANY_SESSIONS, 429)
        response.headers["Retry-After"] = str(SESSION_LIMIT_WINDOW_SECONDS)
        return response
    body = request.get_json(silent=True)
    if body is not None and not isinstance(body, dict):
        return _json_error("La solicitud no es válida.", 400)
    secret = settings.chat_token_secret
    session_id = session_of((body or {}).get("token"), secret,
                            settings.chat_token_max_idle_seconds)
    if session_id is None:
        session_id, token = new_session(secret)
    else:
        token = issue(session_id, secret)
    return _no_store(_allow_origin(jsonify({"session_id": session_id, "token": token})))


def _session_of_request() -> tuple[str | None, Response | None]:
    """The conversation of the body's `{"token": …}`, or the error answer (400, 401)."""
    body = request.get_json(silent=True)
    token = body.get("token") if isinstance(body, dict) else None
    if not isinstance(token, str):
        return None, _json_error("La solicitud no es válida.", 400)
    settings = services().settings
    session_id = session_of(token, settings.chat_token_secret,
                            settings.chat_token_max_idle_seconds)
    if session_id is None:
        return None, _json_error("La credencial de la conversación no es válida.", 401)
    return session_id, None


@blueprint.route("/chat/history", methods=["POST", "OPTIONS"])
def chat_history():
    """`{"token": …}` → the messages of the token's conversation (current session)."""
    if request.method == "OPTIONS":
        return _allow_origin(Response(status=204))
    session_id, refusal = _session_of_request()
    if refusal is not None:
        return refusal
    try:
        tracker = fetch_tracker(services().settings, session_id)
        messages = visible_history(tracker)
    except TrackerUnavailable as error:
        log.warning("chat history: Rasa is not available (%s)", error)
        response = _json_error("El historial no está disponible en este momento.", 503)
        response.headers["Retry-After"] = "5"
        return response
    return _no_store(_allow_origin(jsonify(messages)))


@blueprint.route("/chat/status", methods=["POST", "OPTIONS"])
def chat_status():
    """`{"token": …}` → the hand-off of the token's conversation, for the widget's status
    line (R2): `{"handoff": null | "waiting" | "taken", "position", "agent_name",
    "agent_writing"}`. Read from the store only; nothing is changed."""
    if request.method == "OPTIONS":
        return _allow_origin(Response(status=204))
    session_id, refusal = _session_of_request()
    if refusal is not None:
        return refusal
    settings = services().settings
    with session_for(settings.database_url) as session:
        status = citizen_view(session, session_id, settings.clock())
    return _no_store(_allow_origin(jsonify(status)))


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask, settings: ConsoleSettings) -> None:
    """Registers the widget's routes (without CSRF: no cookie is involved)."""
    app.extensions[EXTENSION] = RulesText.load(
        settings.domain_path, settings.pqrd_url, settings.survey_url
    )
    app.extensions[SESSION_LIMIT_EXTENSION] = SlidingWindow(
        settings.chat_sessions_per_minute, SESSION_LIMIT_WINDOW_SECONDS)
    app.register_blueprint(blueprint)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(blueprint)
