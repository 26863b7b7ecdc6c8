"""Repository functions for login throttling: failed console logins by username and address.

The failures live in the database, not in a process, so the limit holds with
several web-app processes. Checking and recording are two statements: two
processes racing may each let one more attempt through, never many.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.models import LoginFailure

MAX_USERNAME = 64
MAX_ADDRESS = 64


def _username(username: str) -> str:
    return username.strip().lower()[:MAX_USERNAME]


def record_failure(
    session: Session, username: str, address: str, at: datetime, window: timedelta
) -> None:
    """Records a failed login and forgets failures older than `window`."""
    session.execute(delete(LoginFailure).where(LoginFailure.at <= at - window))
    session.add(LoginFailure(username=_username(username), address=address[:MAX_ADDRESS], at=at))
    session.commit()


def clear_failures(session: Session, username: str, at: datetime, window: timedelta) -> None:
    """A successful login: that username's failures no longer count.

    Failures older than `window` go too: addresses are not kept longer than needed.
    """
    session.execute(
        delete(LoginFailure).where(
            (LoginFailure.username == _username(username)) | (LoginFailure.at <= at - window)
        )
    )
    session.commit()


def _blocked_until(
    session: Session, condition, now: datetime, limit: int, window: timedelta
) -> datetime | None:
    recent = session.scalars(
        select(LoginFailure.at)
        .where(condition, LoginFailure.at > now - window)
        .order_by(LoginFailure.at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit:
        return None
    return recent[-1] + window  # when the oldest of the last `limit` failures leaves the window


def throttled_until(
    session: Session,
    username: str,
    address: str,
    now: datetime,
    limit: int,
    window: timedelta,
) -> datetime | None:
    """When logins for `username` or from `address` are allowed again; None when they are now.

    Refused after `limit` failures within `window` for the username (whether or not
    it exists) or from the address, until the oldest of them is `window` old.
    """
    moments = [
        _blocked_until(session, LoginFailure.username == _username(username), now, limit, window),
        _blocked_until(session, LoginFailure.address == address[:MAX_ADDRESS], now, limit, window),
    ]
    blocked = [moment for moment in moments if moment is not None and moment > now]
    return max(blocked) if blocked else None
