"""The citizens' channels read the settings package: a bad value stops Rasa when it builds
them (exit code 2, the variable named); the guard takes its limits from the settings."""

from __future__ import annotations

import pytest

from channels.guard import TOO_FAST, MessageGuard
from channels.message_ids import lease_of
from channels.rest import TenjoRestInput
from channels.socketio import TenjoSocketIOInput, origin_list
from settings import SettingError, Settings


@pytest.mark.parametrize("channel", [TenjoSocketIOInput, TenjoRestInput])
@pytest.mark.parametrize(("name", "value"), [("RATE_LIMIT_SECONDS", "abc"),
                                             ("TRACKER_WINDOW_EVENTS", "-5"),
                                             ("CHAT_ALLOWED_ORIGINS", "https://a.example/path")])
def test_rasa_refuses_a_bad_value_when_it_builds_the_channels(
        monkeypatch, capsys, channel, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_:
        channel.from_credentials({})
    assert exit_.value.code == 2
    assert capsys.readouterr().err.startswith(f"Configuration error: {name}")


def test_the_channels_keep_the_settings_they_were_built_with(monkeypatch):
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "50")
    for channel in (TenjoSocketIOInput, TenjoRestInput):
        assert channel.from_credentials({}).settings.max_message_chars == 50


def test_the_guard_takes_its_limits_from_the_settings():
    guard = MessageGuard.from_settings(Settings.from_env({
        "MAX_MESSAGE_CHARS": "10", "RATE_LIMIT_MESSAGES": "2", "RATE_LIMIT_SECONDS": "60",
    }))
    assert (guard.max_chars, guard.max_messages, guard.window) == (10, 2, 60.0)
    assert guard.check("s1", "hola")[0] == "hola"
    assert guard.check("s1", "x" * 11)[0] is None
    assert guard.check("s1", "otra vez") == (None, TOO_FAST)


def test_the_guard_of_this_process(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_MESSAGES", "3")
    assert MessageGuard.from_settings().max_messages == 3
    monkeypatch.setenv("RATE_LIMIT_MESSAGES", "tres")
    with pytest.raises(SettingError, match="RATE_LIMIT_MESSAGES"):
        MessageGuard.from_settings()


def test_the_lease_and_the_origins_of_the_settings():
    assert lease_of(Settings.from_env({"TICKET_LOCK_LIFETIME": "20"})) == 35
    assert origin_list(Settings.from_env({"CHAT_ALLOWED_ORIGINS": "*"}).chat_allowed_origins) == []
    with pytest.raises(SettingError, match="CHAT_ALLOWED_ORIGINS"):
        Settings.from_env({"CHAT_ALLOWED_ORIGINS": "www.tenjo.gov.co"})
