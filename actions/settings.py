"""What the actions take from the settings package (settings/), as the actions use it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import settings as shared
from actions.office_hours import Schedule, supported_country
from settings.defaults import DEFAULT_DATABASE_URL, DEFAULT_PQRD_URL, DEFAULT_SURVEY_URL
from settings.table import DEFAULTS
from store.clock import Clock, system_clock

__all__ = ["DEFAULT_DATABASE_URL", "DEFAULT_PQRD_URL", "DEFAULT_SURVEY_URL", "Settings",
           "environment_settings", "environment_settings_or_exit"]


@dataclass(frozen=True)
class Settings:
    """Everything the actions take from the environment (defaults: the settings package's)."""

    pqrd_url: str = DEFAULTS["pqrd_url"]
    survey_url: str = DEFAULTS["survey_url"]
    data_policy_url: str = DEFAULTS["data_policy_url"]
    facts_path: Path = DEFAULTS["facts_path"]
    schedule: Schedule = field(default_factory=Schedule)
    inactivity_prompt_seconds: int = DEFAULTS["inactivity_prompt_seconds"]
    inactivity_close_seconds: int = DEFAULTS["inactivity_close_seconds"]
    database_url: str = DEFAULTS["database_url"]
    # R1: a person is offered only while an agent is available (presence in the console).
    handoff_needs_agent_online: bool = DEFAULTS["handoff_needs_agent_online"]
    agent_presence_seconds: int = DEFAULTS["agent_presence_seconds"]
    clock: Clock = field(default=system_clock, compare=False)

    @classmethod
    def of(cls, values: shared.Settings) -> Settings:
        """The actions' part of the settings; a HOLIDAY_COUNTRY the holidays package does
        not know is a SettingError naming it."""
        return cls(
            pqrd_url=values.pqrd_url,
            survey_url=values.survey_url,
            data_policy_url=values.data_policy_url,
            facts_path=values.facts_path,
            schedule=Schedule.from_values(
                shifts=values.office_shifts,
                weekdays=values.office_weekdays,
                holiday_country=supported_country(values.holiday_country),
                extra_closed_dates=values.office_closed_dates,
            ),
            inactivity_prompt_seconds=values.inactivity_prompt_seconds,
            inactivity_close_seconds=values.inactivity_close_seconds,
            database_url=values.database_url,
            handoff_needs_agent_online=values.handoff_needs_agent_online,
            agent_presence_seconds=values.agent_presence_seconds,
            clock=values.clock,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Reads the settings; a bad value raises SettingError (a ValueError) naming it."""
        return cls.of(shared.Settings.from_env(env))


def environment_settings() -> Settings:
    """The settings of this process's environment (read again only when it changed)."""
    values = shared.current()
    if _last[0] is not values:
        _last[:] = [values, Settings.of(values)]
    return _last[1]


_last: list = [None, None]  # the shared settings last seen, and their view


def environment_settings_or_exit() -> Settings:
    """`environment_settings()`, or the action server says which variable is wrong and
    exits with code 2 (rasa-sdk builds every action when it starts)."""
    try:
        return environment_settings()
    except shared.SettingError as error:
        shared.refuse(error)
