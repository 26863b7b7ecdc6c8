"""The agents' web console: `create_app(settings, relay)` builds the Flask app."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, redirect, url_for
from flask_wtf.csrf import CSRFProtect

from console.presenters import duration
from console.relay import RasaRelay, Relay, RelayError
from console.scripts import DomainTextsSource
from console.settings import ConsoleSettings
from console.web import EXTENSION, Services, close_db

__all__ = ["ConsoleSettings", "RelayError", "create_app"]

MAX_REQUEST_BYTES = 64 * 1024


def _console_root():
    """/console: the account's own start page (the login first)."""
    from flask_login import current_user

    from console.auth import home_page

    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(home_page())


def create_app(settings: ConsoleSettings | None = None, relay: Relay | None = None,
               probe_link: Callable[[str], str] | None = None) -> Flask:
    """The console app; `relay` defaults to Rasa's HTTP API at `settings.rasa_url`;
    `probe_link` tries the links of the go-live checklist (default: over the network)."""
    from console import (
        auth,
        editor,
        followups,
        handoffs,
        health,
        metrics,
        presence,
        queue,
        readiness,
        reports,
        security,
        supervision,
        transcripts,
        widget,
    )

    settings = settings or ConsoleSettings.from_env()
    app = Flask(__name__, static_url_path="/console/static")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_minutes),
        SESSION_COOKIE_NAME="tenjo_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        WTF_CSRF_ENABLED=True,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        WTF_CSRF_SSL_STRICT=settings.secure_cookies,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    texts = DomainTextsSource(settings.domain_path, settings.pqrd_url, settings.survey_url)
    services = Services(settings, relay or RasaRelay(settings), texts)
    if probe_link is not None:
        services = dataclasses.replace(services, probe_link=probe_link)
    app.extensions[EXTENSION] = services
    app.teardown_appcontext(close_db)
    app.add_template_filter(duration, "duration")
    CSRFProtect(app)
    security.install(app)
    auth.install(app)
    app.register_blueprint(health.blueprint)
    metrics.install(app, settings)  # /metrics for Prometheus: loopback or METRICS_TOKEN
    app.register_blueprint(queue.blueprint)
    app.register_blueprint(presence.blueprint)
    app.context_processor(presence.template_state)
    app.register_blueprint(handoffs.blueprint)
    app.register_blueprint(followups.blueprint)
    app.register_blueprint(reports.blueprint)
    app.register_blueprint(readiness.blueprint)
    app.register_blueprint(supervision.blueprint)
    app.register_blueprint(transcripts.blueprint)
    app.register_blueprint(editor.blueprint)
    widget.install(app, settings)  # the citizens' widget: /, /widget.js, /chat/…, /reglas
    app.add_url_rule("/console", "console_root", _console_root)
    return app
