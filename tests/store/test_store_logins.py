"""Failed logins: counted per username and per address within a window, on each backend."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from store.logins import clear_failures, record_failure, throttled_until
from store.models import LoginFailure

T0 = datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)
WINDOW = timedelta(minutes=15)


def fail(session, username: str, address: str, at: datetime, times: int = 1) -> None:
    for _ in range(times):
        record_failure(session, username, address, at, WINDOW)


def rows(session) -> list[tuple[str, str]]:
    found = session.scalars(select(LoginFailure).order_by(LoginFailure.id))
    return [(row.username, row.address) for row in found]


def test_the_limit_per_username_and_when_it_ends(session):
    fail(session, "ana", "10.0.0.1", T0, 2)
    fail(session, "Ana ", "10.0.0.2", T0 + timedelta(minutes=5), 1)
    later = T0 + timedelta(minutes=6)
    assert throttled_until(session, "ana", "10.0.0.9", later, 4, WINDOW) is None
    assert throttled_until(session, "ANA", "10.0.0.9", later, 3, WINDOW) == T0 + WINDOW
    assert throttled_until(session, "ana", "10.0.0.9", T0 + WINDOW, 3, WINDOW) is None
    assert throttled_until(session, "luis", "10.0.0.9", later, 3, WINDOW) is None


def test_the_limit_per_address(session):
    for username in ("ana", "luis", "nadie"):
        fail(session, username, "10.0.0.1", T0)
    assert throttled_until(session, "otro", "10.0.0.1", T0, 3, WINDOW) == T0 + WINDOW
    assert throttled_until(session, "otro", "10.0.0.2", T0, 3, WINDOW) is None


def test_the_latest_of_both_limits_counts(session):
    fail(session, "ana", "10.0.0.1", T0, 3)
    fail(session, "luis", "10.0.0.2", T0 + timedelta(minutes=10), 3)
    until = throttled_until(session, "ana", "10.0.0.2", T0 + timedelta(minutes=11), 3, WINDOW)
    assert until == T0 + timedelta(minutes=10) + WINDOW


def test_clearing_forgets_the_username_and_anything_past_the_window(session):
    fail(session, "nadie", "10.0.0.3", T0)
    fail(session, "ana", "10.0.0.1", T0 + timedelta(minutes=10), 2)
    fail(session, "luis", "10.0.0.1", T0 + timedelta(minutes=10))
    clear_failures(session, "ANA", T0 + WINDOW, WINDOW)
    assert rows(session) == [("luis", "10.0.0.1")]


def test_recording_forgets_failures_past_the_window(session):
    fail(session, "ana", "10.0.0.1", T0, 2)
    fail(session, "luis", "10.0.0.2", T0 + WINDOW)
    assert rows(session) == [("luis", "10.0.0.2")]
