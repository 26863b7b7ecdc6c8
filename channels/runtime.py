"""What the channels change in Rasa's server, installed when Rasa builds a channel.

Each module replaces one method of Rasa's with a faster or safer one that keeps
Rasa's behaviour (docs/benchmarks.md, fixes 1, 9, 11 and 12; the action-failure
message). They apply only in the server process: training and `rasa test` run
Rasa's own. Installing twice changes nothing.
"""

from __future__ import annotations

from channels import action_failure, action_validation, past_states, rule_matching, turn_order


def install() -> None:
    """Installs every replacement (idempotent)."""
    action_failure.install()
    action_validation.install()
    turn_order.install()
    past_states.install()
    rule_matching.install()
