"""A polite answer when the action server cannot run an action, instead of silence.

Stock Rasa 3.6 logs the failure of a custom action (server down, error, no answer),
drops its events and goes on predicting: the citizen gets an empty reply, or a stray
template without the answer it belonged to. Here a failed call to the action server
(`RemoteAction.run` raising anything but a rejection) becomes, once per turn:

- a message to the citizen saying there is a technical problem and that the message
  was received (recorded in the tracker like any bot message), and
- `FollowupAction("action_listen")`, so the turn ends there.

A turn the web app pushed (`EXTERNAL_…`: an agent's reply, an inactivity prompt) only
ends: the citizen wrote nothing, so there is nothing to apologise for.

Each time the citizen is told, an `action_failure` conversation event (value: the
action's name) is recorded in the store, for the web app's /metrics; a store that
fails too is only logged (`record_event_safely`), and the citizen is told all the same.

The next message goes to the action server again, so the assistant recovers by
itself as soon as the server is back. The call is also bounded by
`ACTIONS_TIMEOUT_SECONDS` (default 15 s) instead of Rasa's five minutes.

Replaces: `rasa.core.actions.action.RemoteAction.run`, wrapped (`REPLACEMENTS`,
installed by `rasa_runtime.install()`). Tests: tests/rasa_runtime/test_action_failure.py.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import BotUttered, Event, FollowupAction

from rasa_runtime.replacing import Replacement
from settings import current
from store.metrics import ACTION_FAILURE, record_event_safely

logger = logging.getLogger(__name__)

TECHNICAL_PROBLEM = (
    "En este momento tenemos una falla técnica y no podemos atender su mensaje. "
    "Su mensaje quedó registrado. Por favor escríbanos de nuevo en unos minutos."
)
_TOLD = "_tenjo_told_technical_problem"


def timeout_seconds() -> float:
    """`ACTIONS_TIMEOUT_SECONDS`: how long one action may take before it counts as failed.

    From this process's settings (checked when Rasa built its channels: a bad value
    stopped it then).
    """
    return current().actions_timeout_seconds


def _tell_citizen(output_channel: Any) -> list[Event]:
    """The technical-problem message, once per turn (the output channel is per turn).

    Rasa sends the returned `BotUttered` to the citizen and records it, as it does for
    an action's own messages.
    """
    if getattr(output_channel, _TOLD, False):
        return [FollowupAction("action_listen")]
    try:
        setattr(output_channel, _TOLD, True)
    except AttributeError:
        pass
    return [BotUttered(TECHNICAL_PROBLEM), FollowupAction("action_listen")]


async def _record_failure(tracker: Any, action_name: str) -> None:
    """An `action_failure` event of the conversation, written in a worker thread; any
    failure (of the store, of the clock) is logged and nothing else."""
    try:
        settings = current()
        await asyncio.to_thread(
            record_event_safely, settings.database_url, str(tracker.sender_id),
            ACTION_FAILURE, settings.clock(), value=action_name)
    except Exception:  # the citizen is told whether or not the figures are kept
        logger.warning("the failure of action %s was not recorded", action_name,
                       exc_info=True)


def _external(tracker: Any) -> bool:
    intent = (getattr(tracker, "latest_message", None) and tracker.latest_message.intent) or {}
    return str(intent.get("name") or "").startswith("EXTERNAL_")


def run_or_apologise_around(run: Any) -> Any:
    """Rasa's `RemoteAction.run`, bounded in time and answered politely when it fails."""
    @functools.wraps(run)
    async def run_or_apologise(self: RemoteAction, output_channel: Any, nlg: Any,
                               tracker: Any, domain: Any) -> list[Event]:
        try:
            return await asyncio.wait_for(
                run(self, output_channel, nlg, tracker, domain), timeout_seconds()
            )
        except ActionExecutionRejection:
            raise
        except Exception as error:  # server down, an error status, a timeout, bad JSON
            logger.error("action %s failed (%s): the citizen is told and the turn ends",
                         self.name(), type(error).__name__)
            if _external(tracker):  # pushed by the web app: the citizen wrote nothing
                return [FollowupAction("action_listen")]
            events = _tell_citizen(output_channel)
            if any(isinstance(event, BotUttered) for event in events):
                await _record_failure(tracker, self.name())
            return events

    return run_or_apologise


REPLACEMENTS = (Replacement(RemoteAction, "run", run_or_apologise_around, wraps=True),)
