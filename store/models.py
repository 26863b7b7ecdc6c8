"""SQLAlchemy models of the app's tables (the schema itself lives in Alembic migrations)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class UtcDateTime(TypeDecorator):
    """An aware UTC datetime on every engine (SQLite keeps no zone: it is put back on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: pass an aware one")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Agent(Base):
    """A personal account for the console.

    `roles` is a space-separated set of `agent` (serves citizens), `supervisor`
    (manages accounts, reads transcripts) and `editor` (edits the content).
    Presence: the agent's open console pages report `last_seen_at`; `away` is set
    by the agent ("ausente").
    """

    __tablename__ = "agents"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(128), nullable=False)
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UtcDateTime, nullable=False)
    roles = Column(String(64), nullable=False, default="agent")
    last_seen_at = Column(UtcDateTime, nullable=True)
    away = Column(Boolean, nullable=False, default=False)

    def has_role(self, role: str) -> bool:
        """True when `role` is one of the account's roles."""
        return role in (self.roles or "").split()


class Handoff(Base):
    """A citizen's request to be served by an agent (P14).

    status: waiting → taken → closed, or waiting → expired (nobody took it in
    time), or waiting → closed with outcome `abandoned` (the citizen left).
    """

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_status_requested", "status", "requested_at"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    citizen_name = Column(String(128), nullable=True)
    topic = Column(String(64), nullable=True)  # full label, e.g. faq/impuesto_predial
    status = Column(String(16), nullable=False, default="waiting")
    requested_at = Column(UtcDateTime, nullable=False)
    taken_at = Column(UtcDateTime, nullable=True)
    closed_at = Column(UtcDateTime, nullable=True)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=True)
    outcome = Column(String(32), nullable=True)
    # The last waiting update the bot sent (R2), and the place in line it told.
    update_sent_at = Column(UtcDateTime, nullable=True)
    position_told = Column(Integer, nullable=True)
    # When the agent last typed in the reply box: the widget shows "está escribiendo".
    agent_typing_at = Column(UtcDateTime, nullable=True)
    # Back in the queue after its agent was deactivated: the expiry counts from here.
    returned_at = Column(UtcDateTime, nullable=True)

    agent = relationship(Agent, lazy="joined")
    messages = relationship(
        "HandoffMessage", back_populates="handoff", order_by="HandoffMessage.id"
    )


class HandoffMessage(Base):
    """A message of a handed-off conversation: the transcript so far, then the live chat.

    author: citizen | bot | agent. Agent messages are `delivered_at` once the bot
    has passed them to the citizen. Withheld messages (P10) are never stored here.
    """

    __tablename__ = "handoff_messages"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), nullable=False, index=True)
    author = Column(String(16), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(UtcDateTime, nullable=False)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=True)
    delivered_at = Column(UtcDateTime, nullable=True)

    handoff = relationship(Handoff, back_populates="messages")


class FollowUp(Base):
    """A question to answer by e-mail (P15), only with the citizen's recorded consent.

    status: on_hold (given while waiting for an agent; becomes pending if the
    citizen is not served, cancelled if served) → pending → answered | failed.
    """

    __tablename__ = "follow_ups"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), nullable=True)
    citizen_name = Column(String(128), nullable=True)
    question = Column(Text, nullable=False, default="")
    email = Column(String(254), nullable=False)
    consent_given = Column(Boolean, nullable=False)
    consent_at = Column(UtcDateTime, nullable=False)
    status = Column(String(16), nullable=False, index=True)
    created_at = Column(UtcDateTime, nullable=False)
    answered_at = Column(UtcDateTime, nullable=True)
    answer = Column(Text, nullable=True)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=True)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text, nullable=True)


class ModerationRecord(Base):
    """A message withheld for breaking a chat rule (P10): who, when, which rule; never the text."""

    __tablename__ = "moderation_records"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    rule = Column(String(32), nullable=False)  # offensive | commercial
    reason = Column(String(255), nullable=False, default="")  # what matched, e.g. "word:hp"
    outcome = Column(String(16), nullable=False)  # warned | ended
    created_at = Column(UtcDateTime, nullable=False)


class ConversationActivity(Base):
    """When a citizen on the live channel last wrote, and the inactivity steps taken (P3).

    One row per conversation: `prompted_at` when "¿Se encuentra en línea?" was sent,
    `closed_at` and `close_reason` (inactivity | conduct) when the chat was ended.
    """

    __tablename__ = "conversation_activity"

    conversation_id = Column(String(255), primary_key=True)
    started_at = Column(UtcDateTime, nullable=False)
    last_activity_at = Column(UtcDateTime, nullable=False, index=True)
    prompted_at = Column(UtcDateTime, nullable=True)
    closed_at = Column(UtcDateTime, nullable=True)
    close_reason = Column(String(16), nullable=True)


class ConversationEvent(Base):
    """A noteworthy moment of a conversation, for the reports (A5).

    kind: conversation_started | faq_answered (value: the faq/<topic> label) |
    pqrd_escalation | satisfaction (value: yes | no) | fallback (text: the message
    the bot did not understand, with addresses and long numbers masked) |
    action_failure (value: the action the action server could not run; the citizen
    was told). Withheld messages (P10) are never recorded here.
    """

    __tablename__ = "conversation_events"
    __table_args__ = (Index("ix_conversation_events_kind_at", "kind", "at"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    kind = Column(String(32), nullable=False)
    value = Column(String(64), nullable=True)
    text = Column(Text, nullable=True)
    at = Column(UtcDateTime, nullable=False)


class LoginFailure(Base):
    """A failed login to the console: which username was tried, from where, when.

    Only failures within the throttling window matter; older rows are deleted as new
    ones arrive, and an agent's successful login deletes that username's rows.
    """

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False)  # as typed, lower-cased; may not exist
    address = Column(String(64), nullable=False)  # the client's IP address
    at = Column(UtcDateTime, nullable=False, index=True)


class AuditRecord(Base):
    """A supervisor's action on an account (created, deactivated, reactivated,
    password_reset, roles_changed): who, when, on whom; never a password."""

    __tablename__ = "audit_records"

    id = Column(Integer, primary_key=True)
    at = Column(UtcDateTime, nullable=False, index=True)
    actor_id = Column(Integer, ForeignKey("agents.id"), nullable=True)  # None: the CLI
    action = Column(String(32), nullable=False)
    target_id = Column(Integer, ForeignKey("agents.id"), nullable=True)
    detail = Column(String(255), nullable=False, default="")


class ContentDraft(Base):
    """A content editor's unpublished work on one FAQ topic or fact (issue 20).

    kind: topic | fact; `item_key` the topic (`sisben`) or the fact's key. One draft
    per item and editor. `base_revision` is the item's revision in the files when the
    editor started (content/editing.py), to tell when the files changed since; `body`
    is what the editor typed, as JSON text. Publishing writes the files, never this.
    """

    __tablename__ = "content_drafts"
    __table_args__ = (
        UniqueConstraint("kind", "item_key", "agent_id", name="uq_content_drafts_item_editor"),
    )

    id = Column(Integer, primary_key=True)
    kind = Column(String(8), nullable=False)
    item_key = Column(String(64), nullable=False)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=False)
    base_revision = Column(String(64), nullable=False)
    body = Column(Text, nullable=False)
    updated_at = Column(UtcDateTime, nullable=False)

    editor = relationship(Agent, lazy="joined")


class Publication(Base):
    """An editor's publication of their drafts, or the roll-back of one (issue 20).

    kind: change | rollback (`rollback_of` the publication undone). `items` is the JSON
    list of the drafts published ({kind, key, base_revision, body}). status: queued →
    running → published | refused (the change cannot go: the editor can fix it) |
    failed (something broke: the running assistant kept the previous model). `step`
    is where a running one is; `heartbeat_at` proves its worker alive. `active_slot` is 1
    while queued or running and NULL once finished: its unique constraint lets only one
    publication be active, even when two editors publish at the same instant. `files_before`
    and `files_after` are JSON objects {path: text, or null for no file} of the files
    it changed, for the diff and the roll-back; the models are paths under models/.
    """

    __tablename__ = "publications"
    __table_args__ = (Index("ix_publications_status", "status"),
                      UniqueConstraint("active_slot", name="uq_publications_active_slot"))

    id = Column(Integer, primary_key=True)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=False)
    kind = Column(String(16), nullable=False)
    rollback_of = Column(Integer, ForeignKey("publications.id"), nullable=True)
    items = Column(Text, nullable=False, default="[]")
    status = Column(String(16), nullable=False)
    step = Column(String(16), nullable=False, default="")
    active_slot = Column(Integer, nullable=True)
    reason = Column(Text, nullable=False, default="")
    details = Column(Text, nullable=False, default="")
    diff = Column(Text, nullable=False, default="")
    files_before = Column(Text, nullable=False, default="{}")
    files_after = Column(Text, nullable=False, default="{}")
    model_file = Column(String(500), nullable=False, default="")
    previous_model_file = Column(String(500), nullable=False, default="")
    training = Column(String(16), nullable=False, default="")
    timings = Column(Text, nullable=False, default="{}")
    created_at = Column(UtcDateTime, nullable=False)
    started_at = Column(UtcDateTime, nullable=True)
    heartbeat_at = Column(UtcDateTime, nullable=True)
    finished_at = Column(UtcDateTime, nullable=True)

    editor = relationship(Agent, lazy="joined")
