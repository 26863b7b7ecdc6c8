"""ConsoleSettings.from_env: defaults and bad values."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from console.settings import DEFAULT_PQRD_URL, DEFAULT_SURVEY_URL, ConsoleSettings


def test_defaults():
    settings = ConsoleSettings.from_env({})
    assert settings.database_url == "sqlite:///var/tenjo.db"
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert settings.rasa_token == "dev-token-change-me"
    assert settings.session_minutes == 480
    assert settings.secure_cookies is False
    assert settings.handoff_timeout_seconds == 300
    assert settings.sweep_interval_seconds == 5
    assert settings.pqrd_url == DEFAULT_PQRD_URL
    assert settings.survey_url == DEFAULT_SURVEY_URL
    assert settings.domain_path.name == "domain.yml" and settings.domain_path.exists()
    assert settings.web_port == 8000


def test_values_from_the_environment():
    settings = ConsoleSettings.from_env({
        "RASA_PORT": "5999", "RASA_TOKEN": "t0k", "CONSOLE_SESSION_MINUTES": "15",
        "CONSOLE_SECURE_COOKIES": "true", "HANDOFF_TIMEOUT_SECONDS": "90",
        "SWEEP_INTERVAL_SECONDS": "0.5", "PQRD_URL": "https://p", "SURVEY_URL": "https://s",
        "TENJO_FAKE_NOW": "2026-12-01T09:00:00-05:00", "WEB_PORT": "8100",
    })
    assert settings.rasa_url == "http://127.0.0.1:5999"
    assert (settings.rasa_token, settings.session_minutes, settings.secure_cookies) == (
        "t0k", 15, True
    )
    assert settings.handoff_timeout_seconds == 90
    assert settings.sweep_interval_seconds == 0.5
    assert (settings.pqrd_url, settings.survey_url, settings.web_port) == (
        "https://p", "https://s", 8100
    )
    assert settings.clock() == datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)
    assert ConsoleSettings.from_env({"RASA_URL": "http://rasa:5005/"}).rasa_url == (
        "http://rasa:5005"
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CONSOLE_SESSION_MINUTES", "ocho"),
        ("CONSOLE_SESSION_MINUTES", "0"),
        ("HANDOFF_TIMEOUT_SECONDS", "-5"),
        ("SWEEP_INTERVAL_SECONDS", "rápido"),
        ("SWEEP_INTERVAL_SECONDS", "0"),
        ("CONSOLE_SECURE_COOKIES", "quizás"),
        ("RASA_PORT", "70000"),
        ("WEB_PORT", "x"),
        ("TENJO_FAKE_NOW", "2026-12-01T09:00:00"),
    ],
)
def test_bad_values_name_the_variable(name, value):
    with pytest.raises(ValueError, match=name):
        ConsoleSettings.from_env({name: value})


def test_the_web_app_checks_every_process_settings():
    # One settings package for every process: a value the web app does not use is checked too.
    with pytest.raises(ValueError, match="RATE_LIMIT_SECONDS"):
        ConsoleSettings.from_env({"RATE_LIMIT_SECONDS": "abc"})
