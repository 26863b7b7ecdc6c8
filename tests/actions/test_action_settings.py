"""actions/settings.py: the actions' view of the settings package, and the action server
refusing a bad value when rasa-sdk builds the actions."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from actions.office_hours import Schedule, Shift
from actions.session import ActionSessionStart
from actions.settings import Settings, environment_settings
from settings import SettingError
from tests.builders import settings_at


def test_the_actions_settings_come_from_the_settings_package():
    values = Settings.from_env({
        "PQRD_URL": "https://pqrd.example/", "SURVEY_URL": "https://encuesta.example/",
        "OFFICE_SHIFTS": "07:00-13:00", "OFFICE_WEEKDAYS": "mon-sat", "HOLIDAY_COUNTRY": "co",
        "OFFICE_CLOSED_DATES": "2026-12-24", "INACTIVITY_PROMPT_SECONDS": "30",
        "INACTIVITY_CLOSE_SECONDS": "90", "DATABASE_URL": "sqlite://",
        "TENJO_FAKE_NOW": "2026-12-01T09:00:00-05:00",
    })
    assert (values.pqrd_url, values.survey_url) == ("https://pqrd.example/",
                                                    "https://encuesta.example/")
    assert values.schedule == Schedule(shifts=(Shift(time(7), time(13)),),
                                       weekdays=frozenset(range(6)), holiday_country="CO",
                                       extra_closed_dates=frozenset({date(2026, 12, 24)}))
    assert (values.inactivity_prompt_seconds, values.inactivity_close_seconds) == (30, 90)
    assert values.database_url == "sqlite://"
    assert values.clock() == datetime(2026, 12, 1, 14, tzinfo=timezone.utc)
    assert Settings.from_env({}) == Settings()


@pytest.mark.parametrize(("name", "value"), [
    ("HOLIDAY_COUNTRY", "XX"),  # a code, but not one the holidays package knows
    ("OFFICE_SHIFTS", "25:00-26:00"),
    ("OFFICE_WEEKDAYS", "funday"),
    ("OFFICE_CLOSED_DATES", "2026-02-30"),
    ("INACTIVITY_CLOSE_SECONDS", "dos minutos"),
])
def test_a_bad_value_names_the_variable(name, value):
    with pytest.raises(SettingError, match=f"^{name}"):
        Settings.from_env({name: value})


def test_the_environment_is_read_again_only_when_it_changed(monkeypatch):
    monkeypatch.setenv("INACTIVITY_PROMPT_SECONDS", "45")
    first = environment_settings()
    assert first.inactivity_prompt_seconds == 45 and environment_settings() is first
    monkeypatch.setenv("INACTIVITY_PROMPT_SECONDS", "50")
    assert environment_settings().inactivity_prompt_seconds == 50


@pytest.mark.parametrize(("name", "value"), [("RATE_LIMIT_SECONDS", "abc"),
                                             ("HOLIDAY_COUNTRY", "XX")])
def test_the_action_server_refuses_a_bad_value_as_it_builds_the_actions(
        monkeypatch, capsys, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_:
        ActionSessionStart()  # as rasa-sdk does for every action when it starts
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Configuration error: {name}") and "Traceback" not in err
    ActionSessionStart(settings_at("2026-12-01T09:00:00-05:00"))  # tests pass their own


def test_actions_start_with_good_settings(monkeypatch):
    monkeypatch.setenv("OFFICE_WEEKDAYS", "mon-sat")
    action = ActionSessionStart()
    assert action.settings.schedule.weekdays == frozenset(range(6))
