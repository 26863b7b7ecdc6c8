"""Common ground of the assistant's actions: settings and the clock, passed in."""

from __future__ import annotations

import functools
from abc import ABCMeta, abstractmethod
from datetime import datetime, timedelta
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet

from actions.office_hours import is_open
from actions.preview import PREVIEW, load_overlay, overlay_domain, preview_editor
from actions.settings import Settings, environment_settings, environment_settings_or_exit
from store.clock import system_clock
from store.db import session_for
from store.presence import available_count

NEXT_STEP = "next_step"
# True from the session's start until the first name prompt has been read: that prompt
# carries the personal-data notice (Ley 1581 de 2012; a conditional variation of
# `utter_ask_name` in domain.yml), and later prompts do not repeat it.
DATA_NOTICE_SLOT = "data_notice_pending"


def notice_was_read(tracker: Tracker, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`events`, closed by SlotSet(data_notice_pending, False) once the notice went out:
    the slot is still True and `utter_ask_name` ran in this session (and the action did
    not set the slot itself, as the session start does)."""
    if not tracker.get_slot(DATA_NOTICE_SLOT):
        return events
    if any(e.get("event") == "slot" and e.get("name") == DATA_NOTICE_SLOT for e in events):
        return events
    asked = False
    for event in tracker.events:
        if event.get("event") == "session_started":
            asked = False
        elif event.get("event") == "action" and event.get("name") == "utter_ask_name":
            asked = True
    return [*events, SlotSet(DATA_NOTICE_SLOT, False)] if asked else events


class TenjoAction(Action, metaclass=ABCMeta):
    """An action that reads its settings (and so its clock) from the environment by default.

    Abstract, so that rasa-sdk registers only the concrete actions.
    """

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every action's `run` also closes the data notice once it was read, and in an
        editor's preview conversation runs with that editor's drafts (actions/preview.py):
        the domain it gets and `current_facts` show them for the duration of the call."""
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get("run")
        if run is None:
            return

        @functools.wraps(run)
        async def run_and_close_notice(self, dispatcher, tracker, domain):  # noqa: ANN001
            editor = preview_editor(tracker.sender_id)
            if editor is None or PREVIEW.get() is not None:
                return notice_was_read(tracker, await run(self, dispatcher, tracker, domain))
            overlay = load_overlay(self.settings.database_url, editor)
            token = PREVIEW.set(overlay)
            try:
                events = await run(self, dispatcher, tracker, overlay_domain(domain, overlay))
            finally:
                PREVIEW.reset(token)
            return notice_was_read(tracker, events)

        cls.run = run_and_close_notice

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
        """Whether the schedule has agents attending the chat at this moment (P13)."""
        return is_open(self.now(), self.settings.schedule)

    def agent_available_now(self) -> bool:
        """Whether a person can be offered now (R1): staffed hours and, unless
        HANDOFF_NEEDS_AGENT_ONLINE is false, an agent available in the console."""
        if not self.staffed_now():
            return False
        if not self.settings.handoff_needs_agent_online:
            return True
        window = timedelta(seconds=self.settings.agent_presence_seconds)
        with session_for(self.settings.database_url) as session:
            return available_count(session, self.wall_now(), window) > 0
