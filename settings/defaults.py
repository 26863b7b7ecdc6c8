"""The defaults that more than one module needs, each written once."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOTENV = ROOT / ".env"
LOOPBACK = "127.0.0.1"

DEFAULT_DATABASE_URL = "sqlite:///var/tenjo.db"
# The protocol's links (MACPT001).
DEFAULT_PQRD_URL = "http://www.tenjo-cundinamarca.gov.co/Ciudadanos/Paginas/PQRD-Identificacion.aspx"
DEFAULT_SURVEY_URL = "http://186.28.255.236/encuesta/"

# Development secrets: refused in production (settings/production.py).
DEFAULT_RASA_TOKEN = "dev-token-change-me"
DEFAULT_SECRET_KEY = "dev-console-secret-change-me"
DEFAULT_CHAT_TOKEN_SECRET = "dev-chat-token-change-me"
MIN_SECRET_LENGTH = 16

DEFAULT_RASA_PORT = 5005
DEFAULT_ACTIONS_PORT = 5055
DEFAULT_WEB_PORT = 8000
DEFAULT_WEB_HOST = LOOPBACK
DEFAULT_RASA_MODEL = "models/tenjo.tar.gz"
DEFAULT_ENDPOINTS = "endpoints.yml"
SCALED_ENDPOINTS = "endpoints.scaled.yml"

DEFAULT_DOMAIN_PATH = ROOT / "domain.yml"
DEFAULT_FACTS_PATH = ROOT / "data" / "facts.yml"
DEFAULT_MAIL_OUTBOX = ROOT / "var" / "outbox"
DEFAULT_SMTP_FROM = "Alcaldía de Tenjo - CISAT <chat@localhost>"
SMTP_TLS_MODES = ("starttls", "ssl", "none")
SMTP_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
ENVIRONMENTS = ("development", "production")

DEFAULT_OFFICE_SHIFTS = "08:00-12:00,14:00-16:00"
DEFAULT_OFFICE_WEEKDAYS = "mon-fri"
DEFAULT_HOLIDAY_COUNTRY = "CO"

# `make run-scaled` (tools/scaled.py): its own defaults where they differ.
DEFAULT_SCALED_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/tenjo"
DEFAULT_SCALED_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_NGINX_PREFIX = ROOT / "var" / "scaled" / "nginx"

DEFAULT_TRACKER_WINDOW_EVENTS = 120
DEFAULT_TICKET_LOCK_LIFETIME = 60  # Rasa's own default (rasa/core/lock_store.py)
DEFAULT_ACTIONS_TIMEOUT_SECONDS = 15.0
DEFAULT_MAX_MESSAGE_CHARS = 2000
DEFAULT_RATE_LIMIT_MESSAGES = 8
DEFAULT_RATE_LIMIT_SECONDS = 10.0
# Per client address (a municipal office or a school may put many citizens behind one).
DEFAULT_CHAT_SESSIONS_PER_MINUTE = 20
DEFAULT_CHAT_CONNECTIONS_PER_ADDRESS = 30
DEFAULT_CHAT_MESSAGES_PER_MINUTE = 120
DEFAULT_CHAT_TOKEN_MAX_IDLE_SECONDS = 24 * 3600
DEFAULT_RETENTION_TRANSCRIPT_DAYS = 180
DEFAULT_RETENTION_CONTACT_DAYS = 365
