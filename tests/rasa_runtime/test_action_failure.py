"""The action server down, failing or hung: a polite message and the turn ends
(rasa_runtime/action_failure.py), against real sockets and Rasa's own RemoteAction."""

from __future__ import annotations

import asyncio
import inspect
import socket
from datetime import datetime

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, FollowupAction, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

import rasa_runtime
from rasa_runtime.action_failure import TECHNICAL_PROBLEM, timeout_seconds
from rasa_runtime.replacing import rasas
from settings import SettingError
from store.db import engine_for, migrate, session_for
from store.metrics import events_of

MOMENT = "2026-12-01T09:00:00-05:00"


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch) -> str:
    """The Rasa server's settings: a fresh store (never the developer's) and a fixed time."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    migrate(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TENJO_FAKE_NOW", MOMENT)
    yield url
    engine_for(url).dispose()
    engine_for.cache_clear()


def failures(database_url: str) -> list[tuple[str, str | None, datetime]]:
    """(kind, value, at) of the test conversation's recorded events."""
    with session_for(database_url) as session:
        return [(e.kind, e.value, e.at) for e in events_of(session, "citizen-1")]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tracker(intent: str = "greet") -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        "citizen-1", [UserUttered("hola", intent={"name": intent, "confidence": 1.0})]
    )


async def run_action(url: str, intent: str = "greet", channel=None):
    """The events of one failing action call; the texts Rasa would send (its BotUttered)."""
    rasa_runtime.install()
    channel = channel or CollectingOutputChannel()
    events = await RemoteAction("action_greet", EndpointConfig(url)).run(
        channel, None, tracker(intent), Domain.empty()
    )
    return events, [e.text for e in events if isinstance(e, BotUttered)]


def test_the_wrapped_method_is_rasas_and_installs_once():
    rasa_runtime.install()
    rasa_runtime.install()
    run = RemoteAction.run
    assert run.__wrapped__ is rasas(RemoteAction, "run"), "Rasa's own, wrapped once"
    assert run.__wrapped__.__module__ == "rasa.core.actions.action"
    assert list(inspect.signature(run.__wrapped__).parameters) == [
        "self", "output_channel", "nlg", "tracker", "domain"]


def test_server_down_the_citizen_is_told_and_the_turn_ends():
    events, messages = asyncio.run(run_action(f"http://127.0.0.1:{closed_port()}/webhook"))
    assert messages == [TECHNICAL_PROBLEM]
    assert events == [BotUttered(TECHNICAL_PROBLEM), FollowupAction("action_listen")]


def test_the_failure_the_citizen_was_told_of_is_recorded(database):
    asyncio.run(run_action(f"http://127.0.0.1:{closed_port()}/webhook"))
    assert failures(database) == [
        ("action_failure", "action_greet", datetime.fromisoformat(MOMENT))]


def test_a_broken_store_does_not_keep_the_citizen_from_being_told(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite://")  # in memory, without the tables
    events, messages = asyncio.run(run_action(f"http://127.0.0.1:{closed_port()}/webhook"))
    assert messages == [TECHNICAL_PROBLEM]
    assert events == [BotUttered(TECHNICAL_PROBLEM), FollowupAction("action_listen")]


def test_told_once_per_turn(database):
    async def twice():
        channel = CollectingOutputChannel()
        url = f"http://127.0.0.1:{closed_port()}/webhook"
        first, _ = await run_action(url, channel=channel)
        second, messages = await run_action(url, channel=channel)
        return first, second, messages

    first, second, messages = asyncio.run(twice())
    assert BotUttered(TECHNICAL_PROBLEM) in first
    assert second == [FollowupAction("action_listen")] and messages == []
    assert [kind for kind, _, _ in failures(database)] == ["action_failure"], "once per turn"


def test_a_push_from_the_web_app_only_ends_the_turn(database):
    events, messages = asyncio.run(run_action(
        f"http://127.0.0.1:{closed_port()}/webhook", intent="EXTERNAL_inactivity_prompt"))
    assert messages == [] and events == [FollowupAction("action_listen")]
    assert failures(database) == [], "the citizen was told nothing"


async def serve(reply: bytes | None):
    """A server on loopback that answers `reply` to any request (None: never answers)."""

    async def handle(reader, writer):
        await reader.read(65536)
        if reply is None:
            await asyncio.sleep(30)
        else:
            writer.write(reply)
            await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


@pytest.mark.parametrize("reply", [
    b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\nnot json!",
    None,
], ids=["error-status", "not-json", "hung"])
def test_an_error_or_a_hung_server_counts_as_a_failure(monkeypatch, database, reply):
    monkeypatch.setenv("ACTIONS_TIMEOUT_SECONDS", "0.5")

    async def scenario():
        server = await serve(reply)
        port = server.sockets[0].getsockname()[1]
        try:
            return await run_action(f"http://127.0.0.1:{port}/webhook")
        finally:
            server.close()

    events, messages = asyncio.run(scenario())
    assert messages == [TECHNICAL_PROBLEM]
    assert FollowupAction("action_listen") in events
    assert [value for _, value, _ in failures(database)] == ["action_greet"]


@pytest.mark.parametrize(("raw", "expected"), [("", 15.0), ("2.5", 2.5)])
def test_timeout_setting(monkeypatch, raw, expected):
    monkeypatch.setenv("ACTIONS_TIMEOUT_SECONDS", raw)
    assert timeout_seconds() == expected


@pytest.mark.parametrize("raw", ["-1", "0", "soon"])
def test_a_bad_timeout_is_refused_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("ACTIONS_TIMEOUT_SECONDS", raw)
    with pytest.raises(SettingError, match="ACTIONS_TIMEOUT_SECONDS"):
        timeout_seconds()
