"""SQLAlchemy models of the app's tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class ModerationRecord(Base):
    """A message withheld for breaking a chat rule (P10): who, when, which rule; never the text."""

    __tablename__ = "moderation_records"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    rule = Column(String(32), nullable=False)  # offensive | commercial
    reason = Column(String(255), nullable=False, default="")  # what matched, e.g. "word:hp"
    outcome = Column(String(16), nullable=False)  # warned | ended
    created_at = Column(DateTime(timezone=True), nullable=False, default=datetime.utcnow)
