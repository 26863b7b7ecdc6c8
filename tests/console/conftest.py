"""Console fixtures: a fresh SQLite per test, a fixed clock, a recording relay, CSRF on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from console_support import (
    NOW,
    PASSWORD,
    PQRD_URL,
    SURVEY_URL,
    Console,
    FakeClock,
    RecordingRelay,
)
from flask import Flask

from console import create_app
from console.accounts import create_agent_account
from console.settings import ConsoleSettings
from store.db import engine_for, migrate


@pytest.fixture
def database_url(tmp_path) -> Iterator[str]:
    """A fresh, migrated SQLite database."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    migrate(url)
    yield url
    engine_for(url).dispose()
    engine_for.cache_clear()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def relay() -> RecordingRelay:
    return RecordingRelay()


@pytest.fixture
def settings(database_url, clock) -> ConsoleSettings:
    return ConsoleSettings(
        database_url=database_url,
        secret_key="test-secret-key",
        session_minutes=30,
        handoff_timeout_seconds=300,
        pqrd_url=PQRD_URL,
        survey_url=SURVEY_URL,
        clock=clock,
    )


@pytest.fixture
def app(settings, relay) -> Flask:
    return create_app(settings, relay=relay)


@pytest.fixture
def agents(database_url) -> dict[str, int]:
    """Two active agents, ana and luis (password PASSWORD); their ids."""
    ana = create_agent_account(database_url, "ana", "Ana Rodríguez", PASSWORD, NOW)
    luis = create_agent_account(database_url, "luis", "Luis Gómez", PASSWORD, NOW)
    return {"ana": ana.id, "luis": luis.id}


@pytest.fixture
def console(app, agents) -> Console:
    """A browser where ana is logged in."""
    browser = Console(app)
    assert browser.login("ana").status_code == 302
    return browser


@pytest.fixture
def other_console(app, agents) -> Console:
    """A second browser, where luis is logged in."""
    browser = Console(app)
    assert browser.login("luis").status_code == 302
    return browser


@pytest.fixture
def supervisor_id(database_url, agents) -> int:
    """A supervisor who also serves citizens, sofia (password PASSWORD), besides ana and luis."""
    return create_agent_account(database_url, "sofia", "Sofía Castro", PASSWORD, NOW,
                                roles="agent supervisor").id


@pytest.fixture
def supervisor(app, supervisor_id) -> Console:
    """A browser where sofia, a supervisor, is logged in."""
    browser = Console(app)
    assert browser.login("sofia").status_code == 302
    return browser
