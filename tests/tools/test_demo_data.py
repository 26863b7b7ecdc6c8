"""`make demo-data`: two weeks of invented activity, written once, never to real addresses."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select

from store.db import engine_for, session_for
from store.models import Agent, FollowUp
from store.reports import build_report
from tools import demo_data

NOW = datetime(2026, 12, 1, 20, 0, tzinfo=timezone.utc)  # 15:00 in Bogotá


def test_fills_two_weeks_once(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    try:
        assert demo_data.main([], clock=lambda: NOW) == 0
        assert "Datos de demostración:" in capsys.readouterr().out
        with session_for(url) as session:
            report = build_report(session, date(2026, 11, 18), date(2026, 12, 1))
            totals = report.totals
            assert totals.conversations > 150
            assert totals.handoffs_served > 0 and totals.handoffs_expired > 0
            assert totals.satisfied_yes > totals.satisfied_no > 0
            assert len(report.top_topics) == 10 and report.unanswered
            assert all(d.conversations > 0 for d in report.days)
            emails = session.scalars(select(FollowUp.email)).all()
            assert emails and all(e.endswith("@example.com") for e in emails)
            statuses = set(session.scalars(select(FollowUp.status)).all())
            assert {"pending", "answered"} <= statuses
            assert not any(session.scalars(select(Agent.active)).all())
        assert demo_data.main([], clock=lambda: NOW) == 0
        assert "ya tiene actividad registrada" in capsys.readouterr().out
        with session_for(url) as session:
            again = build_report(session, date(2026, 11, 18), date(2026, 12, 1))
            assert again.totals.conversations == totals.conversations
    finally:
        engine_for(url).dispose()
        engine_for.cache_clear()
