"""Follow-ups by e-mail: stored only with consent; on hold while an agent may still serve."""

from __future__ import annotations

import pytest

from store.db import session_for
from store.followups import (
    ConsentRequired,
    follow_ups_of,
    pending_follow_ups,
    record_follow_up,
    release_on_hold,
)
from store.handoffs import request_handoff
from store.models import FollowUp
from tests.store.moments import minutes


def follow_up(session, conversation="c1", handoff_id=None, at=0, email=" ana@example.com "):
    """Records a consented follow-up at minute `at`."""
    return record_follow_up(
        session, conversation, email, minutes(at), "¿Cuándo vence el predial?", "Ana",
        minutes(at), handoff_id=handoff_id,
    )


def test_without_consent_nothing_is_stored(database_url, session):
    """No consent: ConsentRequired, and no row (nor the address) anywhere."""
    with pytest.raises(ConsentRequired):
        record_follow_up(session, "c1", "ana@example.com", None, "¿?", "Ana", minutes(0))
    with session_for(database_url) as fresh:
        assert fresh.query(FollowUp).count() == 0


def test_consent_is_a_value_error():
    """Callers catching ValueError also catch a missing consent."""
    assert issubclass(ConsentRequired, ValueError)


@pytest.mark.parametrize("with_handoff, status", [(True, "on_hold"), (False, "pending")])
def test_status_depends_on_an_open_handoff(database_url, session, with_handoff, status):
    """With a hand-off the follow-up waits on hold; without one it is pending at once."""
    handoff_id = None
    if with_handoff:
        handoff_id = request_handoff(session, "c1", "Ana", None, [], minutes(0)).id
    created = follow_up(session, handoff_id=handoff_id)
    with session_for(database_url) as fresh:
        [stored] = follow_ups_of(fresh, "c1")
        assert (stored.id, stored.status, stored.handoff_id) == (created.id, status, handoff_id)
        assert (stored.email, stored.consent_given, stored.consent_at) == (
            "ana@example.com", True, minutes(0),
        )
        assert (stored.citizen_name, stored.question, stored.attempts) == (
            "Ana", "¿Cuándo vence el predial?", 0,
        )


def test_pending_follow_ups_oldest_first(session):
    """Only pending ones, by creation time then by id; on-hold ones wait."""
    handoff = request_handoff(session, "held", None, None, [], minutes(0))
    later = follow_up(session, "b", at=5)
    follow_up(session, "held", handoff_id=handoff.id, at=1)
    earlier = follow_up(session, "a", at=2)
    same_time = [follow_up(session, f"t{n}", at=3) for n in range(4)]
    assert [f.id for f in pending_follow_ups(session)] == [
        earlier.id, *(f.id for f in same_time), later.id,
    ]


@pytest.mark.parametrize("served, status", [(True, "cancelled"), (False, "pending")])
def test_release_on_hold(session, served, status):
    """Releasing a hand-off's on-hold follow-ups; other hand-offs' stay on hold."""
    mine = request_handoff(session, "mine", None, None, [], minutes(0))
    other = request_handoff(session, "other", None, None, [], minutes(0))
    follow_up(session, "mine", handoff_id=mine.id)
    follow_up(session, "other", handoff_id=other.id)
    assert release_on_hold(session, mine.id, served=served) == 1
    assert release_on_hold(session, mine.id, served=not served) == 0  # only once
    assert [f.status for f in follow_ups_of(session, "mine")] == [status]
    assert [f.status for f in follow_ups_of(session, "other")] == ["on_hold"]
