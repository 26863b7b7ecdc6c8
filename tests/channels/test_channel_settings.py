"""The citizens' channels read the settings package: a bad value stops Rasa when it builds
them (exit code 2, the variable named); the guard takes its limits from the settings."""

from __future__ import annotations

import pytest

from channels.guard import TOO_FAST, TOO_MANY_FROM_ADDRESS, MessageGuard
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
        "CHAT_MESSAGES_PER_MINUTE": "3",
    }))
    assert guard.max_chars == 10
    assert guard.check("s1", "hola", "198.51.100.7")[0] == "hola"
    assert guard.check("s1", "x" * 11, "198.51.100.7")[0] is None
    assert guard.check("s1", "otra vez", "198.51.100.7") == (None, TOO_FAST)
    assert guard.check("s2", "hola", "198.51.100.7") == (None, TOO_MANY_FROM_ADDRESS)
    assert guard.check("s3", "hola", "203.0.113.9")[0] == "hola"


def test_the_guard_of_this_process(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_MESSAGES", "3")
    guard = MessageGuard.from_settings()
    assert [guard.check("s1", "hola")[1] for _ in range(4)] == [None] * 3 + [TOO_FAST]
    monkeypatch.setenv("RATE_LIMIT_MESSAGES", "tres")
    with pytest.raises(SettingError, match="RATE_LIMIT_MESSAGES"):
        MessageGuard.from_settings()


def test_the_lease_and_the_origins_of_the_settings():
    assert lease_of(Settings.from_env({"TICKET_LOCK_LIFETIME": "20"})) == 35
    assert origin_list(Settings.from_env({"CHAT_ALLOWED_ORIGINS": "*"}).chat_allowed_origins) == []
    with pytest.raises(SettingError, match="CHAT_ALLOWED_ORIGINS"):
        Settings.from_env({"CHAT_ALLOWED_ORIGINS": "www.tenjo.gov.co"})
