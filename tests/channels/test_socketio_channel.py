"""The citizens' socket.io channel: settings, custom JSON and allowed origins."""

import asyncio
import os

import pytest

from channels.socketio import TenjoSocketIOInput

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def test_credentials_and_environment(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://example:6379/2")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.db")
    channel = TenjoSocketIOInput.from_credentials({"session_persistence": True})
    assert channel.name() == "socketio", "trigger_intent?output_channel=socketio finds it"
    assert (channel.redis_url, channel.database_url) == ("redis://example:6379/2", "sqlite:///x.db")
    assert channel.session_persistence is True


class RecordingServer:
    """Stands in for python-socketio's AsyncServer: records what is emitted."""

    def __init__(self):
        self.emitted = []

    async def emit(self, event, data=None, room=None, **kwargs):
        assert not kwargs, f"unexpected emit arguments {kwargs}"
        self.emitted.append((event, data, room))


def test_custom_json_reaches_the_room_like_any_message():
    from channels.socketio import TenjoSocketIOOutput

    server = RecordingServer()
    output = TenjoSocketIOOutput(server, "bot_uttered")
    asyncio.run(output.send_custom_json("session-1", {"chat_closed": {"reason": "inactivity"}}))
    assert server.emitted == [
        ("bot_uttered", {"custom": {"chat_closed": {"reason": "inactivity"}}}, "session-1")]


@pytest.mark.parametrize(
    ("setting", "origins"),
    [(None, []), ("*", []), ("https://www.tenjo-cundinamarca.gov.co/, http://127.0.0.1:8000",
                            ["https://www.tenjo-cundinamarca.gov.co", "http://127.0.0.1:8000"])],
)
def test_allowed_origins(setting, origins):
    from channels.socketio import origin_list
    from settings import Settings

    env = {} if setting is None else {"CHAT_ALLOWED_ORIGINS": setting}
    assert origin_list(Settings.from_env(env).chat_allowed_origins) == origins
