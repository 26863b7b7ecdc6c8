"""Answering follow-ups (A4): one sender wins, consent is checked when sending."""

from __future__ import annotations

import pytest
from moments import T0, minutes

from store.followups import (
    ConsentRequired,
    FollowUpUnavailable,
    claim_for_sending,
    closed_follow_ups,
    mark_answered,
    mark_done,
    mark_failed,
    open_follow_ups,
    record_follow_up,
)
from store.models import FollowUp


def pending(session, email: str = "ana@example.com") -> int:
    return record_follow_up(session, "c-1", email, T0, "¿Pregunta?", "Ana", T0).id


def test_two_agents_sending_at_once_one_wins(session, race):
    follow_up_id = pending(session)
    results = race(lambda s: claim_for_sending(s, follow_up_id, 0),
                   lambda s: claim_for_sending(s, follow_up_id, 0))
    assert sorted(type(r).__name__ for r in results) == ["FollowUp", "FollowUpUnavailable"]
    session.expire_all()
    assert session.get(FollowUp, follow_up_id).attempts == 1


def test_failed_then_answered_then_closed_for_good(session):
    follow_up_id = pending(session)
    claim_for_sending(session, follow_up_id, 0)
    failed = mark_failed(session, follow_up_id, "Respuesta", None, "550 refused")
    assert (failed.status, failed.last_error, failed.answer) == ("failed", "550 refused",
                                                                 "Respuesta")
    assert [f.id for f in open_follow_ups(session)] == [follow_up_id]
    with pytest.raises(FollowUpUnavailable):
        claim_for_sending(session, follow_up_id, 0)  # a page older than the failure
    claim_for_sending(session, follow_up_id, 1)
    answered = mark_answered(session, follow_up_id, "Respuesta", None, minutes(30))
    assert (answered.status, answered.attempts, answered.last_error) == ("answered", 2, None)
    assert open_follow_ups(session) == []
    assert [f.id for f in closed_follow_ups(session)] == [follow_up_id]
    with pytest.raises(FollowUpUnavailable):
        mark_done(session, follow_up_id, "por teléfono", None, minutes(40))


def test_no_consent_is_refused_at_sending_time(session):
    follow_up_id = pending(session)
    row = session.get(FollowUp, follow_up_id)
    row.consent_given = False  # e.g. consent withdrawn after it was recorded
    session.commit()
    with pytest.raises(ConsentRequired):
        claim_for_sending(session, follow_up_id, 0)
    session.expire_all()
    assert session.get(FollowUp, follow_up_id).attempts == 0
