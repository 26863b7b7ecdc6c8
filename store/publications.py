"""Repository functions for the editors' publications (issue 20).

A publication is queued by the console, run by one worker process (tools/publish.py),
which claims it, reports its step and a heartbeat, and finishes it: published,
refused (the editor can fix the change) or failed (the assistant kept its model).
One runs at a time: a second is refused while one is queued or running.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.db import update_if
from store.models import Publication

CHANGE, ROLLBACK = "change", "rollback"
QUEUED, RUNNING, PUBLISHED, REFUSED, FAILED = "queued", "running", "published", "refused", "failed"
ACTIVE = (QUEUED, RUNNING)
FINISHED = (PUBLISHED, REFUSED, FAILED)
# The steps of a running publication, in order.
STEPS = ("preparing", "checking", "training", "testing", "loading")
# Files by path: their text, or None when the file does not exist.
Files = Mapping[str, "str | None"]


class PublicationBusy(Exception):
    """Another publication is queued or running; `current` is that one."""

    def __init__(self, current: Publication) -> None:
        super().__init__(f"publication {current.id} is {current.status}")
        self.current = current


@dataclass(frozen=True)
class Outcome:
    """How a publication ended, as the worker records it."""

    status: str  # PUBLISHED, REFUSED or FAILED
    reason: str = ""  # for the editor, in Spanish
    details: str = ""  # for the technical team: the failing check's or test's output
    diff: str = ""
    files_before: Files | None = None
    files_after: Files | None = None
    model_file: str = ""
    previous_model_file: str = ""
    training: str = ""  # "none", "answers" (repackaged), "full"
    timings: Mapping[str, float] | None = None


def active_publication(session: Session) -> Publication | None:
    """The publication queued or running, if any."""
    query = (select(Publication).where(Publication.status.in_(ACTIVE))
             .order_by(Publication.id))
    return session.scalars(query).first()


def queue_publication(session: Session, agent_id: int, items: Sequence[Mapping[str, Any]],
                      at: datetime, *, kind: str = CHANGE,
                      rollback_of: int | None = None) -> Publication:
    """Queues a publication, committed; PublicationBusy when one is queued or running
    (the table's unique `active_slot` decides between two editors publishing at once)."""
    if kind not in (CHANGE, ROLLBACK):
        raise ValueError(f"unknown publication kind {kind!r}")
    current = active_publication(session)
    if current is not None:
        raise PublicationBusy(current)
    publication = Publication(agent_id=agent_id, kind=kind, rollback_of=rollback_of,
                              items=json.dumps(list(items), ensure_ascii=False),
                              status=QUEUED, step="", active_slot=1, created_at=at)
    session.add(publication)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        current = active_publication(session)
        if current is None:  # the other one ended meanwhile: a caller may try again
            raise
        raise PublicationBusy(current) from None
    return publication


def claim_publication(session: Session, publication_id: int, at: datetime) -> bool:
    """Starts a queued publication (once: a second worker gets False)."""
    return update_if(session, Publication,
                     (Publication.id == publication_id, Publication.status == QUEUED),
                     {"status": RUNNING, "step": STEPS[0], "started_at": at,
                      "heartbeat_at": at})


def record_step(session: Session, publication_id: int, step: str, at: datetime) -> bool:
    """Records the running publication's step (and its heartbeat)."""
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}; steps are {', '.join(STEPS)}")
    return update_if(session, Publication,
                     (Publication.id == publication_id, Publication.status == RUNNING),
                     {"step": step, "heartbeat_at": at})


def beat(session: Session, publication_id: int, at: datetime) -> bool:
    """The worker is alive."""
    return update_if(session, Publication,
                     (Publication.id == publication_id, Publication.status == RUNNING),
                     {"heartbeat_at": at})


def finish_publication(session: Session, publication_id: int, outcome: Outcome,
                       at: datetime) -> bool:
    """Ends a queued or running publication with its outcome, committed."""
    if outcome.status not in FINISHED:
        raise ValueError(f"a publication ends {', '.join(FINISHED)}, not {outcome.status!r}")
    values = {
        "status": outcome.status, "reason": outcome.reason, "details": outcome.details,
        "diff": outcome.diff, "model_file": outcome.model_file,
        "previous_model_file": outcome.previous_model_file, "training": outcome.training,
        "files_before": json.dumps(dict(outcome.files_before or {}), ensure_ascii=False),
        "files_after": json.dumps(dict(outcome.files_after or {}), ensure_ascii=False),
        "timings": json.dumps(dict(outcome.timings or {})), "finished_at": at,
        "active_slot": None,
    }
    return update_if(session, Publication,
                     (Publication.id == publication_id, Publication.status.in_(ACTIVE)),
                     values)


def fail_stalled(session: Session, now: datetime, silence_seconds: float,
                 reason: str) -> list[Publication]:
    """Fails the publications whose worker stopped reporting for `silence_seconds`
    (queued ones never claimed count from their creation); the ones failed."""
    limit = now - timedelta(seconds=silence_seconds)
    stalled = []
    for publication in session.scalars(select(Publication)
                                       .where(Publication.status.in_(ACTIVE))):
        last = publication.heartbeat_at or publication.created_at
        if last < limit and update_if(
                session, Publication,
                (Publication.id == publication.id, Publication.status == publication.status),
                {"status": FAILED, "reason": reason, "finished_at": now,
                 "active_slot": None}):
            stalled.append(publication)
    return stalled


def get_publication(session: Session, publication_id: int) -> Publication | None:
    """One publication."""
    return session.get(Publication, publication_id)


def recent_publications(session: Session, limit: int = 50) -> list[Publication]:
    """The latest publications, newest first."""
    query = select(Publication).order_by(Publication.id.desc()).limit(limit)
    return list(session.scalars(query))


def latest_published(session: Session) -> Publication | None:
    """The last publication that reached the assistant (a roll-back included)."""
    query = (select(Publication).where(Publication.status == PUBLISHED)
             .order_by(Publication.id.desc()))
    return session.scalars(query).first()


def rolled_back(session: Session, publication_id: int) -> Publication | None:
    """The published roll-back of a publication, if any."""
    query = select(Publication).where(Publication.rollback_of == publication_id,
                                      Publication.status == PUBLISHED)
    return session.scalars(query).first()


def items_of(publication: Publication) -> list[dict[str, Any]]:
    """The drafts a publication carries."""
    value = json.loads(publication.items or "[]")
    return value if isinstance(value, list) else []


def files_of(text: str) -> dict[str, str | None]:
    """A publication's files_before or files_after, by path."""
    value = json.loads(text or "{}")
    return value if isinstance(value, dict) else {}


def timings_of(publication: Publication) -> dict[str, float]:
    """Seconds per step of a finished publication."""
    value = json.loads(publication.timings or "{}")
    return value if isinstance(value, dict) else {}
