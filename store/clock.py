"""Where the current time comes from: the system, or a fixed time for demos and tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(timezone.utc)


def _parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        raise ValueError(f"TENJO_FAKE_NOW needs a time zone offset: {value!r}")
    return moment


def clock_from_setting(value: str | None) -> Clock:
    """A clock for the `TENJO_FAKE_NOW` setting.

    Empty: the system clock. An ISO time with offset: that time, always.
    `@path`: the ISO time written in that file, read on every call, so a test
    can move time without restarting the action server.
    """
    if not value:
        return system_clock
    if value.startswith("@"):
        path = Path(value[1:])
        return lambda: _parse(path.read_text(encoding="utf-8"))
    fixed = _parse(value)
    return lambda: fixed
