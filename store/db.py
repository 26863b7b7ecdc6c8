"""Engines and sessions for `DATABASE_URL`; nothing connects at import time."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from store.models import Base


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine per URL, its tables created on first use."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, pool_pre_ping=True)
    Base.metadata.create_all(engine)
    return engine


def session_for(url: str) -> Session:
    """A new session bound to the engine of `url` (use it as a context manager)."""
    return Session(engine_for(url), future=True)
