"""Settings of the agents' console: its part of the settings package (settings/)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from settings import Settings
from settings.defaults import (
    DEFAULT_CHAT_TOKEN_SECRET,
    DEFAULT_DATABASE_URL,
    DEFAULT_DOMAIN_PATH,
    DEFAULT_MAIL_OUTBOX,
    DEFAULT_PQRD_URL,
    DEFAULT_RASA_TOKEN,
    DEFAULT_SECRET_KEY,
    DEFAULT_SMTP_FROM,
    DEFAULT_SURVEY_URL,
    ENVIRONMENTS,
    MIN_SECRET_LENGTH,
    SMTP_DEFAULT_PORTS,
    SMTP_TLS_MODES,
)
from settings.production import deployment, production_problems, startup_refusal
from settings.table import DEFAULTS
from store.clock import Clock, system_clock

__all__ = [
    "DEFAULT_CHAT_TOKEN_SECRET", "DEFAULT_DATABASE_URL", "DEFAULT_DOMAIN_PATH",
    "DEFAULT_MAIL_OUTBOX", "DEFAULT_PQRD_URL", "DEFAULT_RASA_TOKEN", "DEFAULT_SECRET_KEY",
    "DEFAULT_SMTP_FROM", "DEFAULT_SURVEY_URL", "ENVIRONMENTS", "MIN_SECRET_LENGTH",
    "SMTP_DEFAULT_PORTS", "SMTP_TLS_MODES", "ConsoleSettings", "deployment",
    "production_problems", "startup_refusal",
]


@dataclass(frozen=True)
class ConsoleSettings:
    """Everything the console takes from the environment (defaults: the settings
    package's)."""

    database_url: str = DEFAULTS["database_url"]
    rasa_url: str = DEFAULTS["rasa_url"]
    rasa_token: str = DEFAULTS["rasa_token"]
    # Issue 20: where an editor's publication loads the new model, and the model a
    # restart serves.
    rasa_server_urls: tuple[str, ...] = DEFAULTS["rasa_server_urls"]
    rasa_model: str = DEFAULTS["rasa_model"]
    secret_key: str = DEFAULTS["console_secret_key"]
    session_minutes: int = DEFAULTS["console_session_minutes"]
    secure_cookies: bool = DEFAULTS["console_secure_cookies"]
    handoff_timeout_seconds: int = DEFAULTS["handoff_timeout_seconds"]
    sweep_interval_seconds: float = DEFAULTS["sweep_interval_seconds"]
    # R1, R2: when an agent counts as available; how often a waiting citizen hears from the bot.
    agent_presence_seconds: int = DEFAULTS["agent_presence_seconds"]
    handoff_update_seconds: int = DEFAULTS["handoff_update_seconds"]
    inactivity_prompt_seconds: int = DEFAULTS["inactivity_prompt_seconds"]
    inactivity_close_seconds: int = DEFAULTS["inactivity_close_seconds"]
    pqrd_url: str = DEFAULTS["pqrd_url"]
    survey_url: str = DEFAULTS["survey_url"]
    domain_path: Path = DEFAULTS["domain_path"]
    # The fact sheet and the data-policy link, for the go-live checklist (issue 18).
    facts_path: Path = DEFAULTS["facts_path"]
    data_policy_url: str = DEFAULTS["data_policy_url"]
    web_host: str = DEFAULTS["web_host"]
    web_port: int = DEFAULTS["web_port"]
    # The citizens' widget: where its socket.io client reaches Rasa ("" = the host of the
    # request, port `rasa_port`, same scheme), and which sites may embed it ("*" = any).
    rasa_port: int = DEFAULTS["rasa_port"]
    chat_socket_url: str = DEFAULTS["chat_socket_url"]
    chat_allowed_origins: tuple[str, ...] = DEFAULTS["chat_allowed_origins"]
    # Signs the widget's session tokens (channels/session_tokens.py); Rasa's channels
    # read the same variable.
    chat_token_secret: str = field(default=DEFAULTS["chat_token_secret"], repr=False)
    chat_token_max_idle_seconds: int = DEFAULTS["chat_token_max_idle_seconds"]
    # `POST /chat/session` requests per client address and minute.
    chat_sessions_per_minute: int = DEFAULTS["chat_sessions_per_minute"]
    # Follow-ups by e-mail (A4): without `smtp_host` the mails go to `mail_outbox` files.
    smtp_host: str = DEFAULTS["smtp_host"]
    smtp_port: int = DEFAULTS["smtp_port"]
    smtp_user: str = DEFAULTS["smtp_user"]
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = DEFAULTS["smtp_from"]
    smtp_tls: str = DEFAULTS["smtp_tls"]
    smtp_timeout_seconds: float = DEFAULTS["smtp_timeout_seconds"]
    mail_outbox: Path = DEFAULTS["mail_outbox"]
    # Security: the deployment (see `production_problems`) and login throttling.
    environment: str = DEFAULTS["environment"]
    login_max_failures: int = DEFAULTS["login_max_failures"]
    login_window_seconds: int = DEFAULTS["login_window_seconds"]
    # Reverse proxies in front of the web app whose X-Forwarded-For is believed (0: none).
    trusted_proxies: int = DEFAULTS["console_trusted_proxies"]
    # Lets Prometheus read /metrics from another machine ("": loopback only).
    metrics_token: str = field(default=DEFAULTS["metrics_token"], repr=False)
    clock: Clock = field(default=system_clock, compare=False)

    @property
    def project_root(self) -> Path:
        """The folder of domain.yml and data/: what the content editor edits (issue 20)."""
        return Path(self.domain_path).parent

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ConsoleSettings:
        """Reads the settings (every process's are checked); a bad value raises
        SettingError (a ValueError) naming the variable."""
        return cls.of(Settings.from_env(env))

    @classmethod
    def of(cls, values: Settings) -> ConsoleSettings:
        """The console's part of the settings."""
        return cls(
            database_url=values.database_url,
            rasa_url=values.rasa_url,
            rasa_token=values.rasa_token,
            rasa_server_urls=values.rasa_server_urls,
            rasa_model=values.rasa_model,
            secret_key=values.console_secret_key,
            session_minutes=values.console_session_minutes,
            secure_cookies=values.console_secure_cookies,
            handoff_timeout_seconds=values.handoff_timeout_seconds,
            sweep_interval_seconds=values.sweep_interval_seconds,
            agent_presence_seconds=values.agent_presence_seconds,
            handoff_update_seconds=values.handoff_update_seconds,
            inactivity_prompt_seconds=values.inactivity_prompt_seconds,
            inactivity_close_seconds=values.inactivity_close_seconds,
            pqrd_url=values.pqrd_url,
            survey_url=values.survey_url,
            domain_path=values.domain_path,
            facts_path=values.facts_path,
            data_policy_url=values.data_policy_url,
            web_host=values.web_host,
            web_port=values.web_port,
            rasa_port=values.rasa_port,
            chat_socket_url=values.chat_socket_url,
            chat_allowed_origins=values.chat_allowed_origins,
            chat_token_secret=values.chat_token_secret,
            chat_token_max_idle_seconds=values.chat_token_max_idle_seconds,
            chat_sessions_per_minute=values.chat_sessions_per_minute,
            smtp_host=values.smtp_host,
            smtp_port=values.smtp_port,
            smtp_user=values.smtp_user,
            smtp_password=values.smtp_password,
            smtp_from=values.smtp_from,
            smtp_tls=values.smtp_tls,
            smtp_timeout_seconds=values.smtp_timeout_seconds,
            mail_outbox=values.mail_outbox,
            environment=values.environment,
            login_max_failures=values.login_max_failures,
            login_window_seconds=values.login_window_seconds,
            trusted_proxies=values.console_trusted_proxies,
            metrics_token=values.metrics_token,
            clock=values.clock,
        )
