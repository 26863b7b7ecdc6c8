"""HandoffPolicy: what it forces while a citizen is handed off, and when it steps aside."""

import pytest

from addons.handoff_policy import RELAY_ACTION, relay_decision

LISTEN = "action_listen"


@pytest.mark.parametrize(
    ("handoff", "next_step", "intent", "last_action", "expected"),
    [
        (None, None, "faq", LISTEN, None),
        ("waiting", None, "faq", LISTEN, RELAY_ACTION),
        ("taken", "listen", "greet", LISTEN, RELAY_ACTION),
        ("taken", "listen", "goodbye", LISTEN, RELAY_ACTION),
        ("taken", "listen", "request_human", LISTEN, RELAY_ACTION),
        ("taken", None, "faq", RELAY_ACTION, LISTEN),
        ("taken", None, "EXTERNAL_agent_message", LISTEN, None),
        ("taken", None, "EXTERNAL_handoff_closed", LISTEN, None),
        ("taken", None, "offensive", LISTEN, None),
        ("waiting", None, "commercial", LISTEN, None),
        ("waiting", "listen", "goodbye", LISTEN, None),
        ("waiting", "offer_follow_up", "affirm", LISTEN, None),
        ("waiting", "ask_consent", "deny", LISTEN, None),
        ("waiting", "ask_email", "inform_contact", LISTEN, None),
        ("waiting", "ask_email", "nlu_fallback", LISTEN, None),
        ("waiting", "offer_follow_up", "nlu_fallback", LISTEN, RELAY_ACTION),
        ("waiting", "ask_consent", "nlu_fallback", LISTEN, RELAY_ACTION),
        ("waiting", "offer_follow_up", "faq", LISTEN, RELAY_ACTION),
        ("taken", "offer_follow_up", "affirm", LISTEN, RELAY_ACTION),
        ("taken", None, "faq", "action_handoff_taken", None),
    ],
)
def test_relay_decision(handoff, next_step, intent, last_action, expected):
    assert relay_decision(handoff, next_step, intent, last_action) == expected
