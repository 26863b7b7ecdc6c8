"""Per-request helpers shared by the blueprints: services, database session, answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from flask import current_app, g, jsonify, render_template, request
from markupsafe import escape
from sqlalchemy.orm import Session

from console.relay import Relay
from console.scripts import DomainTexts, DomainTextsSource
from console.settings import ConsoleSettings
from content.readiness import probe_url
from store.db import session_for

EXTENSION = "tenjo_console"


@dataclass(frozen=True)
class Services:
    """What the views need besides the request: settings, the relay to Rasa, domain texts
    (a DomainTextsSource that follows domain.yml, or fixed DomainTexts)."""

    settings: ConsoleSettings
    relay: Relay
    domain_texts: DomainTextsSource | DomainTexts
    # Tries a link for the go-live checklist (tests pass their own).
    probe_link: Callable[[str], str] = partial(probe_url, timeout=3.0)

    @property
    def texts(self) -> DomainTexts:
        """The current domain texts."""
        if isinstance(self.domain_texts, DomainTextsSource):
            return self.domain_texts.current()
        return self.domain_texts


def services() -> Services:
    """The services of the current app."""
    return current_app.extensions[EXTENSION]


def now() -> datetime:
    """The current time from the configured clock."""
    return services().settings.clock()


def db() -> Session:
    """The request's database session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = session_for(services().settings.database_url)
    return g.db_session


def close_db(_error: BaseException | None = None) -> None:
    """Closes the request's session, if one was opened."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def wants_json() -> bool:
    """True for the JSON API and for scripts that ask for JSON."""
    if "/api/" in request.path or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def problem(code: int, message: str, **extra: Any):
    """An error answer: JSON for scripts, a short Spanish page for people."""
    if wants_json():
        return jsonify({"error": message, **extra}), code
    try:
        page = render_template("error.html", status=code, message=message)
    except Exception:  # e.g. the database is down and the page cannot load the agent
        page = f"<!doctype html><html lang=\"es\"><title>Aviso</title><p>{escape(message)}</p>"
    return page, code
