"""A turn stopped by Rasa's limit of predictions still ends by listening.

Stock Rasa 3.6 stops predicting after `max_number_of_predictions` actions in one turn
("Circuit breaker tripped") and leaves the conversation without `action_listen`. The
next message is then read as coming in the middle of those actions: the policies see
a state no rule or story has, and the citizen may get the same runaway turn again, or
no answer at all (issue 17: ten clarifications in a row, then silence).

The dialogue is built so that no turn comes near the limit (tools/dialogue_matrix.py
checks every state × every kind of message and reports a tripped breaker). This is
the net under it: when Rasa's prediction loop has stopped at the limit, the turn is
closed with `action_listen`, as if the policy had predicted it, and a warning is
logged. A paused conversation (handed to an agent) is left as Rasa leaves it.

Replaces: `rasa.core.processor.MessageProcessor._run_prediction_loop`, wrapped
(`REPLACEMENTS`, installed by `rasa_runtime.install()`).
Tests: tests/rasa_runtime/test_circuit_breaker.py.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted

from rasa_runtime.replacing import Replacement

logger = logging.getLogger(__name__)


def stopped_at_the_limit(processor: MessageProcessor, tracker: Any) -> bool:
    """True when the turn's actions reached the limit and the last one was not a listen."""
    return processor._should_handle_message(tracker) and processor.is_action_limit_reached(
        tracker, processor.should_predict_another_action(tracker.latest_action_name))


def run_prediction_loop(rasas: Callable[..., Any]) -> Callable[..., Any]:
    """Rasa's prediction loop, then `action_listen` when it stopped at the limit."""

    @functools.wraps(rasas)
    async def ending_by_listening(self: MessageProcessor, output_channel: Any,
                                  tracker: Any) -> None:
        await rasas(self, output_channel, tracker)
        if stopped_at_the_limit(self, tracker):
            logger.warning("The turn of '%s' reached %d predictions: it ends by listening.",
                           tracker.sender_id, self.max_number_of_predictions)
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))

    return ending_by_listening


REPLACEMENTS = (Replacement(MessageProcessor, "_run_prediction_loop", run_prediction_loop,
                            wraps=True),)
