"""The store tests' clock: fixed, aware moments in Tenjo's time zone."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

BOGOTA = timezone(timedelta(hours=-5))
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=BOGOTA)  # a Tuesday morning


def minutes(n: float) -> datetime:
    """`n` minutes after T0."""
    return T0 + timedelta(minutes=n)
