"""Repository functions for the content editors' drafts (issue 20): one per item and editor.

A draft keeps what an editor typed for an FAQ topic or a fact until it is published,
so nothing is lost between visits, and other editors can see that someone is working
on the same item. The body is any JSON object (the console decides its fields); the
files of the project are never touched here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.db import update_if
from store.models import ContentDraft

TOPIC, FACT = "topic", "fact"
KINDS = (TOPIC, FACT)
MAX_KEY = 64
MAX_REVISION = 64


def _checked(kind: str, item_key: str, base_revision: str | None = None) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown draft kind {kind!r}; kinds are {', '.join(KINDS)}")
    if not item_key or len(item_key) > MAX_KEY:
        raise ValueError(f"a draft's item key has 1 to {MAX_KEY} characters")
    if base_revision is not None and len(base_revision) > MAX_REVISION:
        raise ValueError(f"a base revision has at most {MAX_REVISION} characters")


def _item(kind: str, item_key: str) -> tuple:
    return (ContentDraft.kind == kind, ContentDraft.item_key == item_key)


def save_draft(session: Session, kind: str, item_key: str, agent_id: int, base_revision: str,
               body: Mapping[str, Any], at: datetime) -> ContentDraft:
    """Stores the editor's draft of the item (replacing theirs), committed; the draft."""
    _checked(kind, item_key, base_revision)
    text = json.dumps(dict(body), ensure_ascii=False, sort_keys=True)
    values = {"base_revision": base_revision, "body": text, "updated_at": at}
    mine = (*_item(kind, item_key), ContentDraft.agent_id == agent_id)
    if not update_if(session, ContentDraft, mine, values):
        session.add(ContentDraft(kind=kind, item_key=item_key, agent_id=agent_id, **values))
        try:
            session.commit()
        except IntegrityError:  # the same editor saved from another tab meanwhile
            session.rollback()
            update_if(session, ContentDraft, mine, values)
    draft = get_draft(session, kind, item_key, agent_id)
    assert draft is not None, "a draft just saved is there"
    return draft


def get_draft(session: Session, kind: str, item_key: str, agent_id: int) -> ContentDraft | None:
    """The editor's draft of the item, if any."""
    _checked(kind, item_key)
    query = select(ContentDraft).where(*_item(kind, item_key), ContentDraft.agent_id == agent_id)
    return session.scalars(query).first()


def drafts_of_item(session: Session, kind: str, item_key: str) -> list[ContentDraft]:
    """Every editor's draft of the item, the latest saved first (with its `editor`)."""
    _checked(kind, item_key)
    query = (select(ContentDraft).where(*_item(kind, item_key))
             .order_by(ContentDraft.updated_at.desc(), ContentDraft.id.desc()))
    return list(session.scalars(query))


def drafts_of_editor(session: Session, agent_id: int) -> list[ContentDraft]:
    """Every draft of one editor, topics first, then by key."""
    query = (select(ContentDraft).where(ContentDraft.agent_id == agent_id)
             .order_by(ContentDraft.kind.desc(), ContentDraft.item_key))
    return list(session.scalars(query))


def draft_counts(session: Session, kind: str) -> dict[str, int]:
    """How many editors have a draft of each item of `kind` (items without: absent)."""
    if kind not in KINDS:
        raise ValueError(f"unknown draft kind {kind!r}; kinds are {', '.join(KINDS)}")
    counts: dict[str, int] = {}
    for key in session.scalars(select(ContentDraft.item_key).where(ContentDraft.kind == kind)):
        counts[key] = counts.get(key, 0) + 1
    return counts


def delete_draft(session: Session, kind: str, item_key: str, agent_id: int) -> bool:
    """Deletes the editor's draft of the item, committed; False when there was none."""
    _checked(kind, item_key)
    result = session.execute(delete(ContentDraft).where(
        *_item(kind, item_key), ContentDraft.agent_id == agent_id))
    session.commit()
    return result.rowcount == 1


def draft_body(draft: ContentDraft) -> dict[str, Any]:
    """The draft's body as stored (an empty one when it cannot be read)."""
    try:
        body = json.loads(draft.body)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
