"""Every setting of every process: the `Settings` object and the table of variables.

`Settings.from_env(env)` reads one environment (a mapping; the process's by default);
`current()` is this process's settings, read again only when its environment changed;
`read(name, env)` is one variable's value. An unset or empty variable means its default;
a value that cannot be used raises SettingError naming the variable.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

from settings import parsers as p
from settings.defaults import (
    DEFAULT_ACTIONS_PORT,
    DEFAULT_ACTIONS_TIMEOUT_SECONDS,
    DEFAULT_CHAT_CONNECTIONS_PER_ADDRESS,
    DEFAULT_CHAT_MESSAGES_PER_MINUTE,
    DEFAULT_CHAT_SESSIONS_PER_MINUTE,
    DEFAULT_CHAT_TOKEN_MAX_IDLE_SECONDS,
    DEFAULT_CHAT_TOKEN_SECRET,
    DEFAULT_DATABASE_URL,
    DEFAULT_DOMAIN_PATH,
    DEFAULT_ENDPOINTS,
    DEFAULT_FACTS_PATH,
    DEFAULT_HOLIDAY_COUNTRY,
    DEFAULT_MAIL_OUTBOX,
    DEFAULT_MAX_MESSAGE_CHARS,
    DEFAULT_NGINX_PREFIX,
    DEFAULT_OFFICE_SHIFTS,
    DEFAULT_OFFICE_WEEKDAYS,
    DEFAULT_PQRD_URL,
    DEFAULT_RASA_MODEL,
    DEFAULT_RASA_PORT,
    DEFAULT_RASA_TOKEN,
    DEFAULT_RATE_LIMIT_MESSAGES,
    DEFAULT_RATE_LIMIT_SECONDS,
    DEFAULT_RETENTION_CONTACT_DAYS,
    DEFAULT_RETENTION_TRANSCRIPT_DAYS,
    DEFAULT_SECRET_KEY,
    DEFAULT_SMTP_FROM,
    DEFAULT_SURVEY_URL,
    DEFAULT_TICKET_LOCK_LIFETIME,
    DEFAULT_TRACKER_WINDOW_EVENTS,
    DEFAULT_WEB_HOST,
    DEFAULT_WEB_PORT,
    ENVIRONMENTS,
    LOOPBACK,
    SCALED_ENDPOINTS,
    SMTP_DEFAULT_PORTS,
    SMTP_TLS_MODES,
)
from settings.parsers import SettingError
from store.clock import Clock, system_clock


def local_url(host: str, port: int | str) -> str:
    """http://host:port as reached from this machine (a wildcard address is loopback)."""
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = LOOPBACK
    return f"http://{host}:{port}"


@dataclass(frozen=True)
class Settings:
    """Every setting of every process (see VARIABLES for the variable of each field)."""

    # The deployment, shared by every process.
    environment: str = "development"
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = ""
    clock: Clock = field(default=system_clock, compare=False, repr=False)
    # The Rasa server.
    rasa_port: int = DEFAULT_RASA_PORT
    rasa_url: str = local_url(LOOPBACK, DEFAULT_RASA_PORT)
    rasa_token: str = field(default=DEFAULT_RASA_TOKEN, repr=False)
    rasa_server_urls: tuple[str, ...] = (local_url(LOOPBACK, DEFAULT_RASA_PORT),)
    rasa_model: str = DEFAULT_RASA_MODEL
    rasa_endpoints: str = DEFAULT_ENDPOINTS
    rasa_interface: str = ""
    rasa_cors: str = "*"
    tracker_window_events: int = DEFAULT_TRACKER_WINDOW_EVENTS
    ticket_lock_lifetime: int = DEFAULT_TICKET_LOCK_LIFETIME
    actions_timeout_seconds: float = DEFAULT_ACTIONS_TIMEOUT_SECONDS
    # The citizens' channels (and the web app's widget).
    chat_token_secret: str = field(default=DEFAULT_CHAT_TOKEN_SECRET, repr=False)
    chat_allowed_origins: tuple[str, ...] = ("*",)
    chat_socket_url: str = ""
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS
    rate_limit_messages: int = DEFAULT_RATE_LIMIT_MESSAGES
    rate_limit_seconds: float = DEFAULT_RATE_LIMIT_SECONDS
    chat_token_max_idle_seconds: int = DEFAULT_CHAT_TOKEN_MAX_IDLE_SECONDS
    chat_sessions_per_minute: int = DEFAULT_CHAT_SESSIONS_PER_MINUTE
    chat_connections_per_address: int = DEFAULT_CHAT_CONNECTIONS_PER_ADDRESS
    chat_messages_per_minute: int = DEFAULT_CHAT_MESSAGES_PER_MINUTE
    chat_trusted_proxies: int = 0
    # The action server (and the bot's words).
    actions_port: int = DEFAULT_ACTIONS_PORT
    actions_url: str = f"{local_url(LOOPBACK, DEFAULT_ACTIONS_PORT)}/webhook"
    sanic_host: str = ""
    pqrd_url: str = DEFAULT_PQRD_URL
    survey_url: str = DEFAULT_SURVEY_URL
    data_policy_url: str = ""
    facts_path: Path = DEFAULT_FACTS_PATH
    office_shifts: tuple[tuple[time, time], ...] = p.shifts("OFFICE_SHIFTS", DEFAULT_OFFICE_SHIFTS)
    office_weekdays: frozenset[int] = p.weekdays("OFFICE_WEEKDAYS", DEFAULT_OFFICE_WEEKDAYS)
    holiday_country: str = DEFAULT_HOLIDAY_COUNTRY
    office_closed_dates: frozenset[date] = frozenset()
    inactivity_prompt_seconds: int = 60
    inactivity_close_seconds: int = 120
    # The web app: console, widget, e-mail.
    web_host: str = DEFAULT_WEB_HOST
    web_port: int = DEFAULT_WEB_PORT
    domain_path: Path = DEFAULT_DOMAIN_PATH
    console_secret_key: str = field(default=DEFAULT_SECRET_KEY, repr=False)
    console_session_minutes: int = 480
    console_secure_cookies: bool = False
    console_trusted_proxies: int = 0
    metrics_token: str = field(default="", repr=False)
    login_max_failures: int = 5
    login_window_seconds: int = 900
    handoff_timeout_seconds: int = 300
    sweep_interval_seconds: float = 5.0
    handoff_needs_agent_online: bool = True
    agent_presence_seconds: int = 60
    handoff_update_seconds: int = 60
    smtp_host: str = ""
    smtp_tls: str = "starttls"
    smtp_port: int = SMTP_DEFAULT_PORTS["starttls"]
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = DEFAULT_SMTP_FROM
    smtp_timeout_seconds: float = 15.0
    mail_outbox: Path = DEFAULT_MAIL_OUTBOX
    # Personal data (`make purge`).
    retention_transcript_days: int = DEFAULT_RETENTION_TRANSCRIPT_DAYS
    retention_contact_days: int = DEFAULT_RETENTION_CONTACT_DAYS
    # `make run-scaled` (tools/scaled.py).
    scaled_host: str = LOOPBACK
    scaled_port: int = 8080
    scaled_api_port: int = 8081
    scaled_actions_port: int = 8082
    scaled_public_url: str = local_url(LOOPBACK, 8080)
    rasa_a_port: int = DEFAULT_RASA_PORT
    rasa_b_port: int = 5006
    actions_a_port: int = DEFAULT_ACTIONS_PORT
    actions_b_port: int = 5056
    nginx_prefix: Path = DEFAULT_NGINX_PREFIX
    nginx: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings of `env` (default: this process's environment)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for variable in VARIABLES:
            raw = variable.raw(env)
            if raw:
                values[variable.field] = variable.parse(variable.name, raw)
            elif variable.derive is not None:
                values[variable.field] = variable.derive({**DEFAULTS, **values})
        return cls(**values)


@dataclass(frozen=True)
class Variable:
    """One environment variable: the field it sets, how it is read, what it means.

    `bad` is a value the parser refuses (tests/settings try each one); None only for
    free text. `derive` computes the default from the other values (a dict by field).
    """

    name: str
    field: str
    parse: p.Parser
    meaning: str
    bad: str | None
    used_by: str = "all"
    derive: Callable[[dict[str, Any]], Any] | None = None
    default_text: str | None = None
    strip: bool = True

    def raw(self, env: Mapping[str, str]) -> str:
        """The value as written ("" when unset)."""
        value = env.get(self.name) or ""
        return value.strip() if self.strip else value

    @property
    def default(self) -> Any:
        """The default when nothing else decides it."""
        return DEFAULTS[self.field]

    def shown_default(self) -> str:
        """The default as written in the documentation."""
        if self.default_text is not None:
            return self.default_text
        value = self.default
        if isinstance(value, Path):
            try:
                return str(value.relative_to(Path(__file__).resolve().parent.parent))
            except ValueError:
                return str(value)
        if isinstance(value, tuple):
            return ",".join(str(part) for part in value)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return f"{value:g}"
        if isinstance(value, frozenset) and not value:
            return "(none)"
        return str(value) if value != "" else "(empty)"


def _default(field_: Any) -> Any:
    return field_.default_factory() if field_.default is MISSING else field_.default


DEFAULTS: dict[str, Any] = {f.name: _default(f) for f in fields(Settings)}

RASA, ACTIONS, WEB, STACK = "Rasa", "actions", "web app", "make run"

VARIABLES: tuple[Variable, ...] = (
    Variable("TENJO_ENV", "environment", p.choice(*ENVIRONMENTS),
             "development or production: production refuses development secrets and binds "
             "Rasa and the action server to 127.0.0.1", "staging", "web app, make run"),
    Variable("DATABASE_URL", "database_url", p.database_url,
             "SQLAlchemy URL of the tracker store and the app's tables", "tenjo.db"),
    Variable("REDIS_URL", "redis_url", p.redis_url,
             "Redis shared by several Rasa processes (lock store, socket.io); empty: none",
             "localhost:6379", "Rasa, make run"),
    Variable("TENJO_FAKE_NOW", "clock", p.clock,
             "demos and tests only: a fixed time (ISO with offset) or @file holding one",
             "2026-12-01T09:00:00", "actions, web app, tools",
             default_text="(the system clock)"),
    Variable("RASA_PORT", "rasa_port", p.port, "port of the Rasa server", "70000",
             "make run, web app"),
    Variable("RASA_URL", "rasa_url", p.base_url,
             "where the web app reaches Rasa's HTTP API", "rasa:5005", WEB,
             derive=lambda v: local_url(LOOPBACK, v["rasa_port"]),
             default_text="http://127.0.0.1:$RASA_PORT"),
    Variable("RASA_SERVER_URLS", "rasa_server_urls", p.base_urls,
             "every Rasa server's own HTTP API, comma-separated: an editor's publication "
             "loads the new model into each", "ftp://rasa", WEB,
             derive=lambda v: (v["rasa_url"],), default_text="$RASA_URL"),
    Variable("RASA_TOKEN", "rasa_token", p.text,
             "token of Rasa's HTTP API (the web app uses it)", None, "make run, web app"),
    Variable("RASA_MODEL", "rasa_model", p.text,
             "the trained model Rasa serves (an editor's publication replaces it)", None,
             "make run, web app"),
    Variable("RASA_ENDPOINTS", "rasa_endpoints", p.text, "Rasa's endpoints file", None, STACK,
             derive=lambda v: SCALED_ENDPOINTS if v["redis_url"] else DEFAULT_ENDPOINTS,
             default_text="endpoints.yml (endpoints.scaled.yml with REDIS_URL)"),
    Variable("RASA_INTERFACE", "rasa_interface", p.text,
             "address Rasa listens on (rasa run --interface)", None, STACK,
             derive=lambda v: LOOPBACK if v["environment"] == "production" else "",
             default_text="Rasa's (all addresses); 127.0.0.1 in production"),
    Variable("RASA_CORS", "rasa_cors", p.text, "CORS origins of the Rasa server", None, STACK),
    Variable("TRACKER_WINDOW_EVENTS", "tracker_window_events", p.count,
             "events of a long conversation Rasa loads per turn; 0: all (stock Rasa)", "-5",
             RASA),
    Variable("TICKET_LOCK_LIFETIME", "ticket_lock_lifetime",
             lambda name, raw: p.count(name, raw) or DEFAULT_TICKET_LOCK_LIFETIME,
             "Rasa's conversation lock lifetime in seconds (0: Rasa's default, 60); a resent "
             "message is handled again after it plus 15 s", "x", RASA),
    Variable("ACTIONS_TIMEOUT_SECONDS", "actions_timeout_seconds", p.positive_seconds,
             "an action that takes longer counts as failed: the citizen is told", "-1", RASA),
    Variable("CHAT_TOKEN_SECRET", "chat_token_secret", p.text,
             "signs the citizens' session tokens (web app and every Rasa server); several "
             "secrets separated by commas: the first signs, all are accepted (rotation)", None,
             "Rasa, web app"),
    Variable("CHAT_TOKEN_MAX_IDLE_SECONDS", "chat_token_max_idle_seconds", p.positive_int,
             "a session token unused (not renewed by the widget) this long expires; the "
             "widget then starts a new conversation", "un día", "Rasa, web app"),
    Variable("CHAT_SESSIONS_PER_MINUTE", "chat_sessions_per_minute", p.positive_int,
             "POST /chat/session requests per client address and minute (web app)", "0",
             WEB),
    Variable("CHAT_CONNECTIONS_PER_ADDRESS", "chat_connections_per_address",
             p.positive_int, "open socket.io connections per client address (each Rasa "
             "server)", "muchas", RASA),
    Variable("CHAT_MESSAGES_PER_MINUTE", "chat_messages_per_minute", p.positive_int,
             "citizen messages per client address and minute, all its conversations "
             "together (each Rasa server)", "-3", RASA),
    Variable("CHAT_TRUSTED_PROXIES", "chat_trusted_proxies", p.count,
             "reverse proxies in front of Rasa whose X-Forwarded-For is believed for the "
             "per-address limits (0: the connection's own address)", "uno", RASA),
    Variable("CHAT_ALLOWED_ORIGINS", "chat_allowed_origins", p.origins,
             "sites allowed to embed the widget and open a socket: comma-separated origins, "
             "or *", "https://a.example/path", "Rasa, web app"),
    Variable("CHAT_SOCKET_URL", "chat_socket_url", p.socket_url,
             "where browsers reach Rasa's socket.io; empty: the page's host, port RASA_PORT",
             "chat.example.org", WEB),
    Variable("MAX_MESSAGE_CHARS", "max_message_chars", p.positive_int,
             "longest citizen message", "0", RASA),
    Variable("RATE_LIMIT_MESSAGES", "rate_limit_messages", p.positive_int,
             "most messages of one conversation within RATE_LIMIT_SECONDS", "ocho", RASA),
    Variable("RATE_LIMIT_SECONDS", "rate_limit_seconds", p.positive_seconds,
             "the window of RATE_LIMIT_MESSAGES", "abc", RASA),
    Variable("ACTIONS_PORT", "actions_port", p.port, "port of the action server", "x",
             "make run (endpoints.yml)"),
    Variable("ACTIONS_URL", "actions_url", p.web_url,
             "the action server's webhook as Rasa reaches it (endpoints.scaled.yml)",
             "127.0.0.1:5055/webhook", STACK,
             derive=lambda v: f"{local_url(LOOPBACK, v['actions_port'])}/webhook",
             default_text="http://127.0.0.1:$ACTIONS_PORT/webhook"),
    Variable("SANIC_HOST", "sanic_host", p.text,
             "address the action server listens on (rasa-sdk)", None, ACTIONS,
             derive=lambda v: LOOPBACK if v["environment"] == "production" else "",
             default_text="rasa-sdk's (all addresses); 127.0.0.1 in production"),
    Variable("PQRD_URL", "pqrd_url", p.web_url, "the PQRD form the bot links to", "pqrd",
             "actions, web app"),
    Variable("SURVEY_URL", "survey_url", p.web_url, "the satisfaction survey the bot links to",
             "encuesta", "actions, web app"),
    Variable("DATA_POLICY_URL", "data_policy_url", p.web_url,
             "the municipality's personal-data policy (Ley 1581 de 2012), linked before the "
             "name is asked; empty: the notice points to the website", "politica",
             "actions, web app", default_text="(empty)"),
    Variable("FACTS_PATH", "facts_path", p.path,
             "the fact sheet the answers are built from (reread when it changes)", None,
             "actions, web app"),
    Variable("OFFICE_SHIFTS", "office_shifts", p.shifts,
             "staffed hours of the chat, Bogotá time", "8am-12pm", ACTIONS,
             default_text=DEFAULT_OFFICE_SHIFTS),
    Variable("OFFICE_WEEKDAYS", "office_weekdays", p.weekdays,
             "staffed days (mon-fri, mon,wed,sat, English or Spanish)", "mon-funday", ACTIONS,
             default_text=DEFAULT_OFFICE_WEEKDAYS),
    Variable("HOLIDAY_COUNTRY", "holiday_country", p.country,
             "country whose public holidays close the chat", "C0", ACTIONS),
    Variable("OFFICE_CLOSED_DATES", "office_closed_dates", p.dates,
             "extra days without agents, comma-separated (2026-12-24,2026-12-31)",
             "24/12/2026", ACTIONS),
    Variable("INACTIVITY_PROMPT_SECONDS", "inactivity_prompt_seconds", p.seconds,
             "silence before the bot asks whether the citizen is still there", "0",
             "actions, web app"),
    Variable("INACTIVITY_CLOSE_SECONDS", "inactivity_close_seconds", p.seconds,
             "silence before the bot closes the conversation", "soon", "actions, web app"),
    Variable("WEB_HOST", "web_host", p.text, "address the web app listens on", None, WEB),
    Variable("WEB_PORT", "web_port", p.port, "port of the web app", "x", WEB),
    Variable("DOMAIN_PATH", "domain_path", p.path,
             "the responses file the console reads its canned scripts from", None, WEB),
    Variable("CONSOLE_SECRET_KEY", "console_secret_key", p.text,
             "signs the console's session cookies", None, WEB),
    Variable("CONSOLE_SESSION_MINUTES", "console_session_minutes", p.positive_int,
             "minutes before an agent must log in again", "ocho", WEB),
    Variable("CONSOLE_SECURE_COOKIES", "console_secure_cookies", p.boolean,
             "true when the console is served over HTTPS", "quizás", WEB),
    Variable("CONSOLE_TRUSTED_PROXIES", "console_trusted_proxies", p.count,
             "reverse proxies in front of the web app whose X-Forwarded-For is believed",
             "-1", WEB),
    Variable("METRICS_TOKEN", "metrics_token", p.text,
             "lets Prometheus read /metrics from another machine (Authorization: Bearer); "
             "empty: loopback only", None, WEB),
    Variable("LOGIN_MAX_FAILURES", "login_max_failures", p.positive_int,
             "failed logins (per username or address) before logins are refused", "0", WEB),
    Variable("LOGIN_WINDOW_SECONDS", "login_window_seconds", p.positive_int,
             "the window of LOGIN_MAX_FAILURES, in seconds", "x", WEB),
    Variable("HANDOFF_TIMEOUT_SECONDS", "handoff_timeout_seconds", p.positive_int,
             "seconds a citizen waits for an agent before the bot offers e-mail", "-5", WEB),
    Variable("HANDOFF_NEEDS_AGENT_ONLINE", "handoff_needs_agent_online", p.boolean,
             "true: a person is offered only while an agent is available in the console; "
             "false: the schedule alone decides", "a veces", ACTIONS),
    Variable("AGENT_PRESENCE_SECONDS", "agent_presence_seconds", p.positive_int,
             "an agent counts as available this long after their console page last reported",
             "0", "actions, web app"),
    Variable("HANDOFF_UPDATE_SECONDS", "handoff_update_seconds", p.positive_int,
             "how often a citizen waiting for an agent hears from the bot", "-1", WEB),
    Variable("SWEEP_INTERVAL_SECONDS", "sweep_interval_seconds", p.positive_seconds,
             "how often the web app looks for hand-offs nobody took", "rápido", WEB),
    Variable("SMTP_HOST", "smtp_host", p.text,
             "mail server of follow-up answers; empty: .eml files in MAIL_OUTBOX", None, WEB),
    Variable("SMTP_TLS", "smtp_tls", p.choice(*SMTP_TLS_MODES), "starttls, ssl or none",
             "tls1.3", WEB),
    Variable("SMTP_PORT", "smtp_port", p.port, "port of the mail server", "0", WEB,
             derive=lambda v: SMTP_DEFAULT_PORTS[v["smtp_tls"]],
             default_text="587 (465 with ssl, 25 with none)"),
    Variable("SMTP_USER", "smtp_user", p.text, "mail server login", None, WEB),
    Variable("SMTP_PASSWORD", "smtp_password", p.text, "mail server password", None, WEB,
             strip=False),
    Variable("SMTP_FROM", "smtp_from", p.text, "sender of follow-up answers", None, WEB),
    Variable("SMTP_TIMEOUT_SECONDS", "smtp_timeout_seconds", p.positive_seconds,
             "how long to wait for the mail server", "nunca", WEB),
    Variable("MAIL_OUTBOX", "mail_outbox", p.path,
             "folder of the .eml files when SMTP_HOST is empty", None, WEB),
    Variable("RETENTION_TRANSCRIPT_DAYS", "retention_transcript_days", p.days,
             "days transcripts are kept (make purge)", "seis meses", "make purge"),
    Variable("RETENTION_CONTACT_DAYS", "retention_contact_days", p.days,
             "days follow-up contacts are kept (make purge)", "0", "make purge"),
    Variable("SCALED_HOST", "scaled_host", p.text, "address nginx serves the public origin on",
             None, "make run-scaled"),
    Variable("SCALED_PORT", "scaled_port", p.port, "nginx's public port", "x", "make run-scaled"),
    Variable("SCALED_API_PORT", "scaled_api_port", p.port,
             "nginx's loopback front of Rasa's HTTP API", "x", "make run-scaled"),
    Variable("SCALED_ACTIONS_PORT", "scaled_actions_port", p.port,
             "nginx's loopback front of the action servers", "x", "make run-scaled"),
    Variable("SCALED_PUBLIC_URL", "scaled_public_url", p.base_url,
             "the public origin of the scaled setup", "8080", "make run-scaled",
             derive=lambda v: local_url(v["scaled_host"], v["scaled_port"]),
             default_text="http://$SCALED_HOST:$SCALED_PORT"),
    Variable("RASA_A_PORT", "rasa_a_port", p.port, "port of Rasa replica a", "x",
             "make run-scaled"),
    Variable("RASA_B_PORT", "rasa_b_port", p.port, "port of Rasa replica b", "x",
             "make run-scaled"),
    Variable("ACTIONS_A_PORT", "actions_a_port", p.port, "port of action server a", "x",
             "make run-scaled"),
    Variable("ACTIONS_B_PORT", "actions_b_port", p.port, "port of action server b", "x",
             "make run-scaled"),
    Variable("NGINX_PREFIX", "nginx_prefix", p.path,
             "nginx's folder (configuration, logs)", None, "make run-scaled"),
    Variable("NGINX", "nginx", p.text, "the nginx binary; empty: /usr/sbin/nginx or PATH",
             None, "make run-scaled"),
)

BY_NAME: dict[str, Variable] = {variable.name: variable for variable in VARIABLES}


def default_env(name: str) -> str:
    """The default of variable `name` as written in an environment (for child processes)."""
    return str(BY_NAME[name].default)


def read(name: str, env: Mapping[str, str] | None = None) -> Any:
    """The value of one variable of `env` (default: this process's environment)."""
    variable = BY_NAME[name]
    env = os.environ if env is None else env
    raw = variable.raw(env)
    if raw:
        return variable.parse(name, raw)
    if variable.derive is not None:
        return getattr(Settings.from_env(env), variable.field)
    return variable.default


def current() -> Settings:
    """This process's settings; read again only when one of its variables changed."""
    return _settings_of(tuple(os.environ.get(variable.name) for variable in VARIABLES))


@lru_cache(maxsize=8)
def _settings_of(raws: tuple[str | None, ...]) -> Settings:
    return Settings.from_env(
        {variable.name: raw for variable, raw in zip(VARIABLES, raws, strict=True)
         if raw is not None}
    )


def refuse(error: SettingError) -> NoReturn:
    """Says what is wrong (no traceback) and exits with code 2."""
    print(f"Configuration error: {error}", file=sys.stderr, flush=True)
    raise SystemExit(2)


def current_or_exit() -> Settings:
    """`current()`, or the process says which variable is wrong and exits with code 2."""
    try:
        return current()
    except SettingError as error:
        refuse(error)
