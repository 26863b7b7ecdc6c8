"""Settings of the agents' console, read from the environment (see `.env.example`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from actions.settings import DEFAULT_PQRD_URL, DEFAULT_SURVEY_URL  # the protocol's links
from channels.session_tokens import DEFAULT_SECRET as DEFAULT_CHAT_TOKEN_SECRET
from channels.session_tokens import secret_from_env
from store.clock import Clock, clock_from_setting

DEFAULT_DATABASE_URL = "sqlite:///var/tenjo.db"
DEFAULT_RASA_TOKEN = "dev-token-change-me"
DEFAULT_SECRET_KEY = "dev-console-secret-change-me"
DEFAULT_DOMAIN_PATH = Path(__file__).resolve().parent.parent / "domain.yml"
DEFAULT_MAIL_OUTBOX = Path(__file__).resolve().parent.parent / "var" / "outbox"
DEFAULT_SMTP_FROM = "Alcaldía de Tenjo - CISAT <chat@localhost>"
SMTP_TLS_MODES = ("starttls", "ssl", "none")
SMTP_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
ENVIRONMENTS = ("development", "production")
MIN_SECRET_LENGTH = 16

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(env: Mapping[str, str], name: str) -> str:
    return (env.get(name) or "").strip()


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = _raw(env, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from error
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {value}")
    return value


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = _raw(env, name)
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError(f"{name} must be a whole number, 0 or more, not {raw!r}")
    return int(raw)


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = _raw(env, name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from error
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{name} must be a positive number of seconds, not {raw!r}")
    return value


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    value = _positive_int(env, name, default)
    if value > 65535:
        raise ValueError(f"{name} must be a TCP port (1-65535), not {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = _raw(env, name).lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(f"{name} must be true or false, not {raw!r}")


def _socket_url(env: Mapping[str, str], name: str) -> str:
    raw = _raw(env, name).rstrip("/")
    if not raw:
        return ""
    parsed = urlsplit(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.path:
        raise ValueError(f"{name} must be like https://chat.example.org:5005, not {raw!r}")
    return raw


def _origins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = _raw(env, name)
    if not raw or raw == "*":
        return ("*",)
    origins = tuple(part.strip().rstrip("/") for part in raw.split(",") if part.strip())
    for origin in origins:
        parsed = urlsplit(origin)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.path:
            raise ValueError(f"{name}: {origin!r} is not an origin like https://www.example.org")
    return origins


def _smtp_tls(env: Mapping[str, str]) -> str:
    raw = _raw(env, "SMTP_TLS").lower() or "starttls"
    if raw not in SMTP_TLS_MODES:
        raise ValueError(f"SMTP_TLS must be one of {', '.join(SMTP_TLS_MODES)}, not {raw!r}")
    return raw


def deployment(env: Mapping[str, str]) -> str:
    """`TENJO_ENV`: development (the default) or production; ValueError for anything else."""
    raw = _raw(env, "TENJO_ENV").lower() or "development"
    if raw not in ENVIRONMENTS:
        raise ValueError(f"TENJO_ENV must be one of {', '.join(ENVIRONMENTS)}, not {raw!r}")
    return raw


def _secret_problem(env: Mapping[str, str], name: str, default: str) -> str | None:
    value = _raw(env, name)
    if not value:
        return f"{name} is not set"
    if value == default:
        return f"{name} is the development default"
    if len(value) < MIN_SECRET_LENGTH:
        return f"{name} is shorter than {MIN_SECRET_LENGTH} characters"
    return None


def production_problems(env: Mapping[str, str]) -> list[str]:
    """Why the assistant may not start as configured, one line per variable.

    Always empty in development. In production: the console's secret key, Rasa's
    token and the secret that signs chat sessions must be set, not the development
    defaults, and at least MIN_SECRET_LENGTH long; the console must send its cookies
    only over HTTPS.
    """
    if deployment(env) != "production":
        return []
    problems = [
        _secret_problem(env, "CONSOLE_SECRET_KEY", DEFAULT_SECRET_KEY),
        _secret_problem(env, "RASA_TOKEN", DEFAULT_RASA_TOKEN),
        _secret_problem(env, "CHAT_TOKEN_SECRET", DEFAULT_CHAT_TOKEN_SECRET),
    ]
    if _raw(env, "CONSOLE_SECURE_COOKIES").lower() not in _TRUE:
        problems.append("CONSOLE_SECURE_COOKIES is not true (production is served over HTTPS)")
    return [problem for problem in problems if problem]


def startup_refusal(env: Mapping[str, str]) -> str | None:
    """The message to print before refusing to start, or None when starting is fine."""
    problems = production_problems(env)
    if not problems:
        return None
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return (
        f"TENJO_ENV=production: refusing to start with development settings:\n{lines}\n"
        "Set these variables in the environment (see .env.example and docs/security.md)."
    )


@dataclass(frozen=True)
class ConsoleSettings:
    """Everything the console takes from the environment."""

    database_url: str = DEFAULT_DATABASE_URL
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = DEFAULT_RASA_TOKEN
    secret_key: str = DEFAULT_SECRET_KEY
    session_minutes: int = 480
    secure_cookies: bool = False
    handoff_timeout_seconds: int = 300
    sweep_interval_seconds: float = 5.0
    inactivity_prompt_seconds: int = 60
    inactivity_close_seconds: int = 120
    pqrd_url: str = DEFAULT_PQRD_URL
    survey_url: str = DEFAULT_SURVEY_URL
    domain_path: Path = DEFAULT_DOMAIN_PATH
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    # The citizens' widget: where its socket.io client reaches Rasa ("" = the host of the
    # request, port `rasa_port`, same scheme), and which sites may embed it ("*" = any).
    rasa_port: int = 5005
    chat_socket_url: str = ""
    chat_allowed_origins: tuple[str, ...] = ("*",)
    # Signs the widget's session tokens (channels/session_tokens.py); Rasa's channels
    # read the same variable.
    chat_token_secret: str = field(default=DEFAULT_CHAT_TOKEN_SECRET, repr=False)
    # Follow-ups by e-mail (A4): without `smtp_host` the mails go to `mail_outbox` files.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = DEFAULT_SMTP_FROM
    smtp_tls: str = "starttls"
    smtp_timeout_seconds: float = 15.0
    mail_outbox: Path = DEFAULT_MAIL_OUTBOX
    # Security: the deployment (see `production_problems`) and login throttling.
    environment: str = "development"
    login_max_failures: int = 5
    login_window_seconds: int = 900
    # Reverse proxies in front of the web app whose X-Forwarded-For is believed (0: none).
    trusted_proxies: int = 0
    clock: Clock = field(default=clock_from_setting(None), compare=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ConsoleSettings:
        """Reads the settings; a bad value raises ValueError naming the variable."""
        env = os.environ if env is None else env
        rasa_port = _port(env, "RASA_PORT", 5005)
        smtp_tls = _smtp_tls(env)
        try:
            clock = clock_from_setting(_raw(env, "TENJO_FAKE_NOW") or None)
        except ValueError as error:
            raise ValueError(f"TENJO_FAKE_NOW: {error}") from error
        return cls(
            database_url=_raw(env, "DATABASE_URL") or DEFAULT_DATABASE_URL,
            rasa_url=(_raw(env, "RASA_URL") or f"http://127.0.0.1:{rasa_port}").rstrip("/"),
            rasa_token=_raw(env, "RASA_TOKEN") or DEFAULT_RASA_TOKEN,
            secret_key=_raw(env, "CONSOLE_SECRET_KEY") or DEFAULT_SECRET_KEY,
            session_minutes=_positive_int(env, "CONSOLE_SESSION_MINUTES", 480),
            secure_cookies=_bool(env, "CONSOLE_SECURE_COOKIES", False),
            handoff_timeout_seconds=_positive_int(env, "HANDOFF_TIMEOUT_SECONDS", 300),
            sweep_interval_seconds=_positive_float(env, "SWEEP_INTERVAL_SECONDS", 5.0),
            inactivity_prompt_seconds=_positive_int(env, "INACTIVITY_PROMPT_SECONDS", 60),
            inactivity_close_seconds=_positive_int(env, "INACTIVITY_CLOSE_SECONDS", 120),
            pqrd_url=_raw(env, "PQRD_URL") or DEFAULT_PQRD_URL,
            survey_url=_raw(env, "SURVEY_URL") or DEFAULT_SURVEY_URL,
            domain_path=Path(_raw(env, "DOMAIN_PATH") or DEFAULT_DOMAIN_PATH),
            web_host=_raw(env, "WEB_HOST") or "127.0.0.1",
            web_port=_port(env, "WEB_PORT", 8000),
            rasa_port=rasa_port,
            chat_socket_url=_socket_url(env, "CHAT_SOCKET_URL"),
            chat_allowed_origins=_origins(env, "CHAT_ALLOWED_ORIGINS"),
            chat_token_secret=secret_from_env(env),
            smtp_host=_raw(env, "SMTP_HOST"),
            smtp_port=_port(env, "SMTP_PORT", SMTP_DEFAULT_PORTS[smtp_tls]),
            smtp_user=_raw(env, "SMTP_USER"),
            smtp_password=env.get("SMTP_PASSWORD") or "",
            smtp_from=_raw(env, "SMTP_FROM") or DEFAULT_SMTP_FROM,
            smtp_tls=smtp_tls,
            smtp_timeout_seconds=_positive_float(env, "SMTP_TIMEOUT_SECONDS", 15.0),
            mail_outbox=Path(_raw(env, "MAIL_OUTBOX") or DEFAULT_MAIL_OUTBOX),
            environment=deployment(env),
            login_max_failures=_positive_int(env, "LOGIN_MAX_FAILURES", 5),
            login_window_seconds=_positive_int(env, "LOGIN_WINDOW_SECONDS", 900),
            trusted_proxies=_count(env, "CONSOLE_TRUSTED_PROXIES", 0),
            clock=clock,
        )
