"""An agent stops serving (deactivated by a supervisor, or logged out): their chats go
back to the queue in their place, and each citizen is told (EXTERNAL_handoff_returned)."""

from __future__ import annotations

import logging

from console.relay import RelayError
from console.web import db, now, services
from store.handoffs import return_to_queue

log = logging.getLogger(__name__)


def return_agent_chats(agent_id: int) -> tuple[int, int]:
    """Returns the agent's chats to the queue and tells their citizens: (returned, not
    told). A citizen Rasa could not tell still waits in the queue."""
    returned = return_to_queue(db(), agent_id, now())
    not_told = 0
    for handoff in returned:
        try:
            services().relay.trigger(handoff.conversation_id, "EXTERNAL_handoff_returned", {})
        except RelayError as error:
            log.warning("return of hand-off %s not relayed: %s", handoff.id, error)
            not_told += 1
    return len(returned), not_told
