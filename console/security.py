"""Response headers (CSP and friends) and error pages without tracebacks."""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from console.web import problem, services
from console.widget import content_security_policy

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
MESSAGES = {
    400: "La solicitud no es válida.",
    401: "Inicie sesión para continuar.",
    403: "No tiene permiso para realizar esta acción.",
    404: "La página que busca no existe.",
    405: "Esta dirección no admite esa operación.",
    409: "La conversación cambió de estado. Actualice la página.",
    413: "La solicitud es demasiado grande.",
    500: "Ocurrió un error inesperado. Intente de nuevo en unos momentos.",
}
CSRF_MESSAGE = "El formulario caducó o no es válido. Recargue la página e intente de nuevo."


def _secure_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.path.startswith("/console") or request.path == "/healthz":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith("/console/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
    elif request.blueprint == "widget":
        # The citizens' widget: its own policy, which also lets it reach Rasa's socket.io.
        policy = content_security_policy(services().settings)
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def _http_error(error: HTTPException):
    status = error.code or 500
    return problem(status, MESSAGES.get(status, MESSAGES[400] if status < 500 else MESSAGES[500]))


def _csrf_error(_error: CSRFError):
    return problem(400, CSRF_MESSAGE)


def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unexpected error on %s %s", request.method, request.path)
    return problem(500, MESSAGES[500])


def install(app: Flask) -> None:
    """Adds the security headers and the Spanish error answers to the app."""
    app.after_request(_secure_headers)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
