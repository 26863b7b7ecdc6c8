"""TENJO_ENV=production: no start with development secrets or cookies sent over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.settings import (
    DEFAULT_CHAT_TOKEN_SECRET,
    DEFAULT_RASA_TOKEN,
    DEFAULT_SECRET_KEY,
    ConsoleSettings,
    production_problems,
    startup_refusal,
)

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "TENJO_ENV": "production",
    "CONSOLE_SECRET_KEY": "k3-a-long-random-console-secret-value",
    "RASA_TOKEN": "t0-a-long-random-rasa-token-value",
    "CHAT_TOKEN_SECRET": "c1-a-long-random-chat-token-secret",
    "CONSOLE_SECURE_COOKIES": "true",
}
SECURITY_VARIABLES = ("TENJO_ENV", "CONSOLE_SECRET_KEY", "RASA_TOKEN", "CHAT_TOKEN_SECRET",
                      "CONSOLE_SECURE_COOKIES")


def test_production_with_nothing_set_names_every_variable():
    problems = production_problems({"TENJO_ENV": "production"})
    assert problems == [
        "CONSOLE_SECRET_KEY is not set",
        "RASA_TOKEN is not set",
        "CHAT_TOKEN_SECRET is not set",
        "CONSOLE_SECURE_COOKIES is not true (production is served over HTTPS)",
    ]
    message = startup_refusal({"TENJO_ENV": "production"})
    for name in SECURITY_VARIABLES[1:]:
        assert name in message


def test_production_with_the_development_defaults_is_refused():
    env = {
        **GOOD, "CONSOLE_SECRET_KEY": DEFAULT_SECRET_KEY, "RASA_TOKEN": DEFAULT_RASA_TOKEN,
        "CHAT_TOKEN_SECRET": DEFAULT_CHAT_TOKEN_SECRET, "CONSOLE_SECURE_COOKIES": "false",
    }
    assert production_problems(env) == [
        "CONSOLE_SECRET_KEY is the development default",
        "RASA_TOKEN is the development default",
        "CHAT_TOKEN_SECRET is the development default",
        "CONSOLE_SECURE_COOKIES is not true (production is served over HTTPS)",
    ]


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("CONSOLE_SECRET_KEY", "   ", "CONSOLE_SECRET_KEY is not set"),
        ("CONSOLE_SECRET_KEY", "short", "CONSOLE_SECRET_KEY is shorter than 16 characters"),
        ("RASA_TOKEN", f" {DEFAULT_RASA_TOKEN} ", "RASA_TOKEN is the development default"),
        ("CONSOLE_SECURE_COOKIES", "", "CONSOLE_SECURE_COOKIES is not true"),
        ("CONSOLE_SECURE_COOKIES", "maybe", "CONSOLE_SECURE_COOKIES is not true"),
        ("METRICS_TOKEN", "short", "METRICS_TOKEN is shorter than 16 characters"),
        ("CHAT_TOKEN_SECRET", f"c2-the-new-long-chat-secret, {DEFAULT_CHAT_TOKEN_SECRET}",
         "CHAT_TOKEN_SECRET is the development default"),
        ("CHAT_TOKEN_SECRET", "c2-the-new-long-chat-secret,short",
         "CHAT_TOKEN_SECRET is shorter than 16 characters"),
    ],
)
def test_each_weak_value_is_named(name, value, problem):
    problems = production_problems({**GOOD, name: value})
    assert len(problems) == 1 and problems[0].startswith(problem)


def test_production_with_good_values_starts():
    assert production_problems(GOOD) == []
    rotating = {**GOOD, "CHAT_TOKEN_SECRET": "c2-the-new-long-chat-secret,c1-a-long-random-chat"}
    assert production_problems(rotating) == [], "two long secrets while rotating"
    assert startup_refusal(GOOD) is None
    spelled = {**GOOD, "TENJO_ENV": " Production ", "CONSOLE_SECURE_COOKIES": "1"}
    assert startup_refusal(spelled) is None
    assert ConsoleSettings.from_env(GOOD).environment == "production"


def test_development_never_refuses():
    for env in ({}, {"TENJO_ENV": "development"}, {"TENJO_ENV": "development",
                "CONSOLE_SECRET_KEY": DEFAULT_SECRET_KEY, "CONSOLE_SECURE_COOKIES": "false"}):
        assert production_problems(env) == []
        assert startup_refusal(env) is None
    assert ConsoleSettings.from_env({}).environment == "development"


def test_an_unknown_environment_is_a_configuration_error():
    with pytest.raises(ValueError, match="TENJO_ENV"):
        production_problems({"TENJO_ENV": "prod"})
    with pytest.raises(ValueError, match="TENJO_ENV"):
        ConsoleSettings.from_env({"TENJO_ENV": "staging"})


def test_throttling_settings_from_the_environment():
    settings = ConsoleSettings.from_env({
        "LOGIN_MAX_FAILURES": "3", "LOGIN_WINDOW_SECONDS": "60", "CONSOLE_TRUSTED_PROXIES": "1",
    })
    assert (settings.login_max_failures, settings.login_window_seconds) == (3, 60)
    assert settings.trusted_proxies == 1
    defaults = ConsoleSettings.from_env({})
    assert (defaults.login_max_failures, defaults.login_window_seconds) == (5, 900)
    assert defaults.trusted_proxies == 0
    for name, value in (("LOGIN_MAX_FAILURES", "0"), ("LOGIN_WINDOW_SECONDS", "x"),
                        ("CONSOLE_TRUSTED_PROXIES", "-1")):
        with pytest.raises(ValueError, match=name):
            ConsoleSettings.from_env({name: value})


def free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def run_console(tmp_path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SECURITY_VARIABLES}
    clean.update(DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}", WEB_PORT=free_port(), **env)
    return subprocess.run(
        [sys.executable, "-m", "console", "serve"], cwd=ROOT, env=clean,
        capture_output=True, text=True, timeout=60,
    )


def test_serve_in_production_with_defaults_exits_2_at_once(tmp_path):
    started = time.monotonic()
    done = run_console(tmp_path, TENJO_ENV="production")
    assert done.returncode == 2, done.stderr
    assert time.monotonic() - started < 30
    for name in ("CONSOLE_SECRET_KEY", "RASA_TOKEN", "CONSOLE_SECURE_COOKIES"):
        assert name in done.stderr
    assert not (tmp_path / "prod.db").exists()  # refused before touching the database


def test_serve_with_an_unknown_environment_exits_2(tmp_path):
    done = run_console(tmp_path, TENJO_ENV="prod")
    assert done.returncode == 2
    assert "TENJO_ENV" in done.stderr
