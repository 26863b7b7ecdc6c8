"""What a citizen may type as a Rasa command (`/intent`), on every public channel.

Rasa takes a message starting with "/" as that intent, with any entities, so a
citizen could send `/EXTERNAL_agent_message{…}`, `/restart` or
`/session_start`. Only the bare answers the widget's buttons and its opening
send are let through; any other command loses its leading "/" and is understood
as the text it is (and, during a hand-off, reaches the agent as such).
"""

from __future__ import annotations

# Payloads of the widget's buttons (sí / no) and its hidden opening message.
PUBLIC_COMMANDS = frozenset({"/affirm", "/deny", "/greet"})


def neutralize(text: object) -> str:
    """The message as Rasa may see it: a public command, or text without leading "/"."""
    if not isinstance(text, str):
        return ""
    stripped = text.strip()
    if not stripped.startswith("/") or stripped in PUBLIC_COMMANDS:
        return text
    return stripped.lstrip("/").lstrip()
