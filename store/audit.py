"""The audit log of account actions: who did what to which account, and when.

Every change to an account made from the console or the command line (created,
deactivated, reactivated, password reset, roles changed) adds one `AuditRecord`
in the same transaction as the change: `record` only adds the row, the caller's
commit writes both or neither. `actor_id` None means the command line. A record
never holds a password or a hash; `detail` holds `key=value` pairs separated by
"; " (for example `roles=agent supervisor`), read back with `details`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import AuditRecord

CREATED, DEACTIVATED, REACTIVATED = "created", "deactivated", "reactivated"
PASSWORD_RESET, ROLES_CHANGED = "password_reset", "roles_changed"
ACTIONS = (CREATED, DEACTIVATED, REACTIVATED, PASSWORD_RESET, ROLES_CHANGED)
MAX_DETAIL = 255


def record(
    session: Session,
    actor_id: int | None,
    action: str,
    target_id: int | None,
    detail: dict[str, str] | None,
    at: datetime,
) -> AuditRecord:
    """Adds one record to the session (the caller commits it with the change)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    text = "; ".join(f"{key}={value}" for key, value in (detail or {}).items())
    row = AuditRecord(at=at, actor_id=actor_id, action=action, target_id=target_id,
                      detail=text[:MAX_DETAIL])
    session.add(row)
    return row


def details(row: AuditRecord) -> dict[str, str]:
    """The `key=value` pairs of a record's detail."""
    pairs = (part.split("=", 1) for part in (row.detail or "").split("; ") if "=" in part)
    return {key: value for key, value in pairs}


def recent_records(session: Session, limit: int = 50) -> list[AuditRecord]:
    """The latest records, newest first."""
    query = select(AuditRecord).order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
    return list(session.scalars(query.limit(limit)))


def records_about(session: Session, target_id: int, limit: int = 50) -> list[AuditRecord]:
    """The latest records about one account, newest first."""
    query = (select(AuditRecord).where(AuditRecord.target_id == target_id)
             .order_by(AuditRecord.at.desc(), AuditRecord.id.desc()))
    return list(session.scalars(query.limit(limit)))
