"""What the content editor's pages share: the project's files, the facts, the typed input
with its limits, the drafts' notices, and the answers in Spanish when something is wrong.

Every refusal is an `InputError` (status and Spanish message), answered by the editor
blueprint as JSON for the check API and as a short page for the forms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import request
from flask_login import current_user

from console.scripts import BOGOTA
from console.web import db, services
from content.fact_editing import FACTS
from content.facts import Fact, FactSheetError, load_fact_sheet
from store.drafts import drafts_of_item, get_draft
from store.models import ContentDraft

AREA_NAMES = {
    "atencion": "Atención", "certificados": "Certificados", "ciudadania": "Ciudadanía",
    "justicia": "Justicia", "poblacion": "Población", "social": "Social",
    "territorio": "Territorio", "tributos": "Tributos", "urbanismo": "Urbanismo",
}  # fmt: skip
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
          "septiembre", "octubre", "noviembre", "diciembre")
MAX_REVISION = 64
NOT_AN_OBJECT = "Envíe el borrador como un objeto JSON, con un campo por cada parte del formulario."
NOT_TEXT = "El campo «{label}» debe ser un texto."
NOT_TEXTS = "El campo «{label}» debe ser una lista de textos."
TOO_MANY = "El campo «{label}» admite como máximo {limit} elementos."
UNKNOWN_FIELDS = "El borrador tiene campos que esta página no conoce: {names}."
BAD_REVISION = "La versión de base del formulario no es válida. Recargue la página."


class InputError(Exception):
    """A request the editor cannot take: its HTTP status and a Spanish message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def project_root() -> Path:
    """The project the editors change (domain.yml and data/), from the settings."""
    return services().settings.project_root


def current_facts(root: Path) -> tuple[dict[str, Fact], str]:
    """The fact sheet's facts, and why it could not be read ("" when it could)."""
    try:
        return load_fact_sheet(root / FACTS), ""
    except FactSheetError as error:
        return {}, str(error)


def area_name(area: str) -> str:
    """The area of a data/nlu file as editors read it: "poblacion" → "Población"."""
    return AREA_NAMES.get(area, area.replace("_", " ").capitalize() or "Sin área")


def when(moment: datetime) -> str:
    """A moment as editors read it: "el 1 de diciembre de 2026 a las 09:05" (Bogotá)."""
    local = moment.astimezone(BOGOTA)
    return f"el {local.day} de {MONTHS[local.month - 1]} de {local.year} a las {local:%H:%M}"


def json_object(known: Mapping[str, str]) -> dict[str, Any]:
    """The request's JSON object; InputError when it is not one, or names a field that
    is not in `known` (field → its label)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InputError(400, NOT_AN_OBJECT)
    unknown = sorted(str(name) for name in body if name not in known)
    if unknown:
        raise InputError(400, UNKNOWN_FIELDS.format(names=", ".join(unknown[:5])))
    return body


def text(body: Mapping[str, Any], name: str, label: str) -> str | None:
    """A text field of a JSON body (None when absent)."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InputError(400, NOT_TEXT.format(label=label))
    return value


def texts(body: Mapping[str, Any], name: str, label: str, limit: int) -> tuple[str, ...] | None:
    """A list of texts of a JSON body (None when absent), at most `limit` of them."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InputError(400, NOT_TEXTS.format(label=label))
    if len(value) > limit:
        raise InputError(400, TOO_MANY.format(label=label, limit=limit))
    return tuple(value)


def form_texts(name: str, label: str, limit: int) -> tuple[str, ...]:
    """The values of a repeated form field, at most `limit` of them."""
    values = request.form.getlist(name)
    if len(values) > limit:
        raise InputError(400, TOO_MANY.format(label=label, limit=limit))
    return tuple(values)


def base_revision(current: str) -> str:
    """The revision the form was opened on (`current` when it sent none)."""
    given = request.form.get("base_revision", "").strip() or current
    if len(given) > MAX_REVISION or not given.isalnum():
        raise InputError(400, BAD_REVISION)
    return current if request.form.get("rebase") else given


@dataclass(frozen=True)
class OtherDraft:
    """Another editor's draft of the same item, as the page names it."""

    name: str
    when: str


@dataclass(frozen=True)
class DraftState:
    """The drafts of one item as the signed-in editor's page tells them."""

    mine: ContentDraft | None
    saved_when: str
    files_changed: bool  # the files changed since the editor's draft was started
    others: tuple[OtherDraft, ...]


def draft_state(kind: str, key: str, revision: str) -> DraftState:
    """The editor's own draft of the item, whether the files moved since, and the others'."""
    session = db()
    mine = get_draft(session, kind, key, current_user.id)
    others = tuple(OtherDraft(draft.editor.display_name, when(draft.updated_at))
                   for draft in drafts_of_item(session, kind, key)
                   if draft.agent_id != current_user.id)
    return DraftState(mine, when(mine.updated_at) if mine else "",
                      bool(mine and mine.base_revision != revision), others)
