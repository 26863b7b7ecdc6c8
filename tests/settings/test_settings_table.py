"""settings/: every variable's default, its parser's refusal naming it, derived defaults."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timezone
from pathlib import Path

import pytest

import settings
from settings import VARIABLES, SettingError, Settings, current, current_or_exit, read
from settings import parsers as p
from settings.__main__ import main as settings_main
from settings.__main__ import table
from settings.table import BY_NAME, DEFAULTS

FREE_TEXT = (p.text, p.path)


def test_every_field_has_one_variable_and_every_variable_one_field():
    names = [variable.name for variable in VARIABLES]
    assert len(names) == len(set(names))
    assert sorted(variable.field for variable in VARIABLES) == sorted(
        field.name for field in dataclasses.fields(Settings))


@pytest.mark.parametrize("variable", VARIABLES, ids=lambda variable: variable.name)
def test_a_bad_value_names_the_variable(variable):
    if variable.bad is None:
        assert variable.parse in FREE_TEXT, f"{variable.name} needs a bad example"
        return
    with pytest.raises(SettingError, match=rf"^{variable.name}\b") as error:
        Settings.from_env({variable.name: variable.bad})
    assert isinstance(error.value, ValueError)
    with pytest.raises(SettingError, match=variable.name):
        read(variable.name, {variable.name: variable.bad})


@pytest.mark.parametrize("variable", VARIABLES, ids=lambda variable: variable.name)
def test_unset_or_empty_is_the_default(variable):
    default = getattr(Settings(), variable.field)
    blank = ({variable.name: "   "},) if variable.strip else ()  # passwords: as written
    for env in ({}, {variable.name: ""}, *blank):
        assert getattr(Settings.from_env(env), variable.field) == default
        assert read(variable.name, env) == default
    assert variable.shown_default()


def test_the_defaults():
    values = Settings.from_env({})
    assert values == Settings()
    assert values.database_url == settings.DEFAULT_DATABASE_URL == "sqlite:///var/tenjo.db"
    assert values.pqrd_url == settings.DEFAULT_PQRD_URL
    assert values.survey_url == settings.DEFAULT_SURVEY_URL
    assert (values.rasa_port, values.actions_port, values.web_port) == (5005, 5055, 8000)
    assert values.rasa_url == "http://127.0.0.1:5005"
    assert values.actions_url == "http://127.0.0.1:5055/webhook"
    assert values.rasa_token == settings.DEFAULT_RASA_TOKEN
    assert values.console_secret_key == settings.DEFAULT_SECRET_KEY
    assert values.chat_token_secret == settings.DEFAULT_CHAT_TOKEN_SECRET
    assert values.environment == "development" and values.redis_url == ""
    assert values.office_shifts == ((time(8), time(12)), (time(14), time(16)))
    assert values.office_weekdays == frozenset(range(5)) and values.holiday_country == "CO"
    assert values.office_closed_dates == frozenset()
    assert (values.inactivity_prompt_seconds, values.inactivity_close_seconds) == (60, 120)
    assert (values.max_message_chars, values.rate_limit_messages, values.rate_limit_seconds) == (
        2000, 8, 10.0)
    assert (values.actions_timeout_seconds, values.tracker_window_events) == (15.0, 120)
    assert values.ticket_lock_lifetime == 60
    assert (values.retention_transcript_days, values.retention_contact_days) == (180, 365)
    assert values.chat_allowed_origins == ("*",) and values.smtp_port == 587
    assert values.domain_path == settings.ROOT / "domain.yml"
    assert DEFAULTS == {field.name: getattr(Settings(), field.name)
                        for field in dataclasses.fields(Settings)}


def test_values_from_the_environment():
    values = Settings.from_env({
        "DATABASE_URL": "postgresql://tenjo@db/tenjo", "RATE_LIMIT_SECONDS": "2.5",
        "OFFICE_SHIFTS": "07:30-13:00", "OFFICE_WEEKDAYS": "lunes,miércoles,sab",
        "OFFICE_CLOSED_DATES": "2026-12-24, 2026-12-31", "HOLIDAY_COUNTRY": "co",
        "TENJO_FAKE_NOW": "2026-12-01T09:00:00-05:00", "SMTP_PASSWORD": " spaced ",
        "CHAT_ALLOWED_ORIGINS": "https://a.org/, http://127.0.0.1:8000",
        "CONSOLE_SECURE_COOKIES": "YES", "TENJO_ENV": "Production", "TICKET_LOCK_LIFETIME": "0",
        "DOMAIN_PATH": "other/domain.yml",
    })
    assert values.database_url == "postgresql://tenjo@db/tenjo"
    assert values.rate_limit_seconds == 2.5
    assert values.office_shifts == ((time(7, 30), time(13)),)
    assert values.office_weekdays == frozenset({0, 2, 5})
    assert values.office_closed_dates == frozenset({date(2026, 12, 24), date(2026, 12, 31)})
    assert values.holiday_country == "CO"
    assert values.clock() == datetime(2026, 12, 1, 14, tzinfo=timezone.utc)
    assert values.chat_allowed_origins == ("https://a.org", "http://127.0.0.1:8000")
    assert values.smtp_password == " spaced "  # passwords are taken as written
    assert values.console_secure_cookies is True and values.environment == "production"
    assert values.ticket_lock_lifetime == 60  # 0: Rasa's default
    assert values.domain_path == Path("other/domain.yml")
    assert "spaced" not in repr(values) and values.rasa_token not in repr(values)


def test_derived_defaults_follow_what_they_derive_from():
    values = Settings.from_env({"RASA_PORT": "5999", "ACTIONS_PORT": "5998", "SMTP_TLS": "ssl",
                                "REDIS_URL": "redis://r:6379/1", "SCALED_HOST": "0.0.0.0",
                                "SCALED_PORT": "9090"})
    assert values.rasa_url == "http://127.0.0.1:5999"
    assert values.actions_url == "http://127.0.0.1:5998/webhook"
    assert values.smtp_port == 465
    assert values.rasa_endpoints == "endpoints.scaled.yml"
    assert values.scaled_public_url == "http://127.0.0.1:9090"
    assert (values.rasa_interface, values.sanic_host) == ("", "")
    production = Settings.from_env({"TENJO_ENV": "production"})
    assert (production.rasa_interface, production.sanic_host) == ("127.0.0.1", "127.0.0.1")
    assert read("RASA_URL", {"RASA_PORT": "6000", "RASA_URL": ""}) == "http://127.0.0.1:6000"
    assert read("RASA_URL", {"RASA_URL": "http://rasa:5005/"}) == "http://rasa:5005"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("RATE_LIMIT_SECONDS", "abc",
     "RATE_LIMIT_SECONDS must be a positive number of seconds, not 'abc'"),
    ("RATE_LIMIT_SECONDS", "inf", "RATE_LIMIT_SECONDS must be a positive number of seconds"),
    ("MAX_MESSAGE_CHARS", "2k", "MAX_MESSAGE_CHARS must be a whole number, not '2k'"),
    ("MAX_MESSAGE_CHARS", "0", "MAX_MESSAGE_CHARS must be positive, not 0"),
    ("WEB_PORT", "70000", "WEB_PORT must be a TCP port (1-65535), not 70000"),
    ("TENJO_ENV", "prod", "TENJO_ENV must be one of development, production, not 'prod'"),
    ("OFFICE_SHIFTS", "08:00-12:00,11:00-13:00", "OFFICE_SHIFTS: '08:00-12:00,11:00-13:00' has"),
    ("OFFICE_WEEKDAYS", "mon-wed-fri", "OFFICE_WEEKDAYS: 'mon-wed-fri' is not a day"),
    ("TENJO_FAKE_NOW", "mañana", "TENJO_FAKE_NOW must be an ISO time with offset"),
    ("DATABASE_URL", "var/tenjo.db", "DATABASE_URL must be an SQLAlchemy URL"),
    ("INACTIVITY_PROMPT_SECONDS", "1m", "INACTIVITY_PROMPT_SECONDS must be a whole number of"),
])
def test_messages_say_what_is_expected(name, value, message):
    with pytest.raises(SettingError) as error:
        Settings.from_env({name: value})
    assert str(error.value).startswith(message)


def test_current_follows_the_environment_and_is_read_once_per_environment(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_MESSAGES", "3")
    first = current()
    assert first.rate_limit_messages == 3 and current() is first
    monkeypatch.setenv("RATE_LIMIT_MESSAGES", "4")
    assert current().rate_limit_messages == 4
    monkeypatch.setenv("RATE_LIMIT_MESSAGES", "tres")
    with pytest.raises(SettingError, match="RATE_LIMIT_MESSAGES"):
        current()


def test_current_or_exit_names_the_variable_and_exits_2(monkeypatch, capsys):
    monkeypatch.setenv("RATE_LIMIT_SECONDS", "abc")
    with pytest.raises(SystemExit) as exit_:
        current_or_exit()
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        "Configuration error: RATE_LIMIT_SECONDS must be a positive number of seconds, not 'abc'")


def test_the_table_lists_every_variable(capsys):
    text = table()
    for variable in VARIABLES:
        assert f"| `{variable.name}` |" in text
    assert "| `DATABASE_URL` | sqlite:///var/tenjo.db |" in text
    assert settings_main(["--table"]) == 0 and "`RATE_LIMIT_SECONDS`" in capsys.readouterr().out


def test_the_variables_are_the_ones_in_env_example():
    example = (settings.ROOT / ".env.example").read_text(encoding="utf-8")
    missing = [name for name in BY_NAME if f"{name}=" not in example]
    assert not missing, f"add to .env.example: {missing}"


def test_env_example_copied_to_env_gives_the_defaults():
    values = settings.read_dotenv(settings.ROOT / ".env.example")
    assert Settings.from_env(values) == Settings()
