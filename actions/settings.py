"""Settings of the assistant, read from the environment (see `.env.example`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from actions.office_hours import Schedule
from store.clock import Clock, clock_from_setting

DEFAULT_PQRD_URL = "http://www.tenjo-cundinamarca.gov.co/Ciudadanos/Paginas/PQRD-Identificacion.aspx"
DEFAULT_SURVEY_URL = "http://186.28.255.236/encuesta/"
DEFAULT_DATABASE_URL = "sqlite:///var/tenjo.db"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be a whole number of seconds, not {raw!r}") from error
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the actions take from the environment."""

    pqrd_url: str = DEFAULT_PQRD_URL
    survey_url: str = DEFAULT_SURVEY_URL
    schedule: Schedule = field(default_factory=Schedule)
    inactivity_prompt_seconds: int = 60
    inactivity_close_seconds: int = 120
    database_url: str = DEFAULT_DATABASE_URL
    clock: Clock = field(default=clock_from_setting(None), compare=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Reads the settings; a bad value raises ValueError naming the variable."""
        env = os.environ if env is None else env
        return cls(
            pqrd_url=env.get("PQRD_URL") or DEFAULT_PQRD_URL,
            survey_url=env.get("SURVEY_URL") or DEFAULT_SURVEY_URL,
            schedule=Schedule.from_settings(
                shifts=env.get("OFFICE_SHIFTS") or "08:00-12:00,14:00-16:00",
                weekdays=env.get("OFFICE_WEEKDAYS") or "mon-fri",
                holiday_country=env.get("HOLIDAY_COUNTRY") or "CO",
                extra_closed_dates=env.get("OFFICE_CLOSED_DATES") or "",
            ),
            inactivity_prompt_seconds=_int(env, "INACTIVITY_PROMPT_SECONDS", 60),
            inactivity_close_seconds=_int(env, "INACTIVITY_CLOSE_SECONDS", 120),
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            clock=clock_from_setting(env.get("TENJO_FAKE_NOW")),
        )


@lru_cache(maxsize=1)
def environment_settings() -> Settings:
    """The settings of this process's environment, read once on first use."""
    return Settings.from_env()
