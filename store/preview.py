"""The conversations of the editors' preview (issue 20): `editor-preview-<agent id>-<32 hex>`.

The console opens such a conversation on the real Rasa server for an editor; the
action server answers it with that editor's unpublished drafts (actions/preview.py),
and what it does is left out of the Alcaldía's figures (store/metrics.py). The id is
the only mark of a preview, so it is parsed strictly: anything else is a citizen's.
"""

from __future__ import annotations

import re
import secrets

PREFIX = "editor-preview-"
_PREVIEW_ID = re.compile(r"^editor-preview-(\d{1,9})-[0-9a-f]{32}$", re.ASCII)


def preview_editor(conversation_id: object) -> int | None:
    """The editor (agent id) whose preview the conversation is; None for any other id."""
    if not isinstance(conversation_id, str):
        return None
    found = _PREVIEW_ID.fullmatch(conversation_id)
    return int(found.group(1)) if found else None


def is_preview(conversation_id: object) -> bool:
    """Whether the conversation is an editor's preview."""
    return preview_editor(conversation_id) is not None


def preview_conversation_id(agent_id: int, nonce: str | None = None) -> str:
    """A new preview conversation of the editor (`nonce`: 32 hex digits, random if None)."""
    conversation_id = f"{PREFIX}{agent_id}-{nonce if nonce is not None else secrets.token_hex(16)}"
    if preview_editor(conversation_id) != agent_id:
        raise ValueError(f"not a preview conversation id: {conversation_id!r}")
    return conversation_id
