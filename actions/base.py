"""Common ground of the assistant's actions: settings and the clock, passed in."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from datetime import datetime

from rasa_sdk import Action

from actions.office_hours import is_open
from actions.settings import Settings, environment_settings, environment_settings_or_exit
from store.clock import system_clock

NEXT_STEP = "next_step"


class TenjoAction(Action, metaclass=ABCMeta):
    """An action that reads its settings (and so its clock) from the environment by default.

    Abstract, so that rasa-sdk registers only the concrete actions.
    """

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    def __init__(self, settings: Settings | None = None) -> None:
        """`settings` is for tests; the action server passes none.

        rasa-sdk builds every action when it starts: without `settings` the environment's
        are checked then, so a bad value stops the action server at once, naming the
        variable (exit code 2).
        """
        super().__init__()
        if settings is None:
            environment_settings_or_exit()
        self._settings = settings

    @property
    def settings(self) -> Settings:
        """The settings given, or those of the environment."""
        return self._settings or environment_settings()

    def now(self) -> datetime:
        """The current time from the settings' clock."""
        return self.settings.clock()

    def wall_now(self) -> datetime:
        """The real time, for what is measured against real silence (P3)."""
        return system_clock()

    def staffed_now(self) -> bool:
        """Whether agents attend the chat at this moment."""
        return is_open(self.now(), self.settings.schedule)
