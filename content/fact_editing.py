"""Editing one fact of the sheet (`data/facts.yml`) from the console.

`fact_change` wraps content.facts.update_fact with the topics' safeguards: a revision
of the fact's lines to detect a concurrent edit, the problems in Spanish before
anything is written, and a check that no other line of the sheet moved.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from content.changes import (
    AppliedChange,
    ChangeRejected,
    ConflictError,
    EditingError,
    Problem,
    UnknownItemError,
    clean_text,
    revision_of,
    text_problems,
    unified_diff,
)
from content.facts import FIELDS, Fact, FactSheetError, parse_fact, update_fact
from content.style import lint_findings
from content.yaml_lines import (
    load_round_trip,
    node_span,
    project_lock,
    styled_like,
    write_atomically,
)

FACTS = "data/facts.yml"
MAX_FACT_CHARS = 500
CONFLICT = ("Otra persona cambió este hecho mientras usted lo editaba. Revise el valor "
            "actual y vuelva a aplicar su cambio: lo que usted escribió no se perdió.")


@dataclass(frozen=True)
class FactContent:
    """One fact as the sheet has it, and the revision of its lines."""

    key: str
    fact: Fact
    revision: str


def _read(root: Path, key: str) -> tuple[str, object, tuple[int, int]]:
    text = (root / FACTS).read_text(encoding="utf-8")
    document = load_round_trip(text)
    entries = document.get("facts") if isinstance(document, dict) else None
    if not isinstance(entries, dict) or key not in entries:
        raise UnknownItemError(f"No hay un hecho con la clave «{key}» en la ficha.")
    line, column = entries.lc.key(key)
    return text, entries, node_span(text.splitlines(keepends=True), line, column)


def load_fact(root: Path, key: str) -> FactContent:
    """The fact `key`; UnknownItemError when the sheet has none, EditingError when its
    entry breaks the schema."""
    text, entries, (start, end) = _read(Path(root), key)
    try:
        fact = parse_fact(key, entries[key])
    except FactSheetError as error:
        raise EditingError(f"El hecho tiene un error en la ficha: {error}.") from None
    lines = text.splitlines(keepends=True)
    return FactContent(key, fact, revision_of([FACTS, "".join(lines[start:end])]))


def check_fact(root: Path, key: str, changes: Mapping[str, str]) -> list[Problem]:
    """The problems of changing fields of the fact `key`; nothing is written."""
    current = load_fact(root, key)
    changes = {name: clean_text(value) for name, value in changes.items()}
    problems = [Problem("fact", "fact-field", f"La ficha no tiene el campo «{name}».")
                for name in changes if name not in FIELDS]
    for name, value in changes.items():
        problems += text_problems(value, name)
        if "\n" in value:
            problems.append(Problem(name, "fact-lines", "Escríbalo en una sola línea."))
        if len(value) > MAX_FACT_CHARS:
            problems.append(Problem(name, "fact-length",
                                    f"Tiene {len(value)} caracteres y el máximo es "
                                    f"{MAX_FACT_CHARS}."))
    value = changes.get("value", "")
    if "{" in value or "}" in value:
        problems.append(Problem("value", "fact-reference",
                                "Un hecho no lleva llaves { }: se mostrarían tal cual."))
    # The value is said inside the answers: the protocol's style, but not its lengths.
    problems += [Problem("value", finding.rule, finding.spanish[:1].upper() + finding.spanish[1:])
                 for finding in lint_findings(value, mandated=True)]
    if problems:
        return problems
    merged = {name: getattr(current.fact, name) for name in FIELDS} | changes
    try:
        parse_fact(key, merged)
    except FactSheetError as error:
        message = str(error).removeprefix(f"{key}: ")
        problems.append(Problem("fact", "fact-sheet", message[:1].upper() + message[1:] + "."))
    return problems


def fact_change(root: Path, key: str, value: str, status: str, source: str, *,
                base_revision: str, source_kind: str | None = None,
                confirmed_by: str | None = None, confirmed_on: str | None = None,
                description: str | None = None) -> AppliedChange:
    """Writes the fields of one fact (None: unchanged) and returns the diff.

    ConflictError (with the fact as it is now) when `base_revision` is not its current
    revision; ChangeRejected with the problems when it has any.
    """
    root = Path(root)
    given = {"value": value, "status": status, "source": source, "source_kind": source_kind,
             "confirmed_by": confirmed_by, "confirmed_on": confirmed_on,
             "description": description}
    changes = {name: clean_text(text) for name, text in given.items() if text is not None}
    with project_lock(root):
        current = load_fact(root, key)
        if current.revision != base_revision:
            raise ConflictError(CONFLICT, current)
        problems = check_fact(root, key, changes)
        if problems:
            raise ChangeRejected(problems)
        changes = {name: text for name, text in changes.items()
                   if text != getattr(current.fact, name)}
        if not changes:
            return AppliedChange(current.revision, {}, {})
        before = (root / FACTS).read_text(encoding="utf-8")
        after = _updated(root, key, changes)
        write_atomically(root / FACTS, after.encode("utf-8"))
        revision = load_fact(root, key).revision
    return AppliedChange(revision, {FACTS: unified_diff(FACTS, before, after)},
                         {FACTS: before.encode("utf-8")})


def _updated(root: Path, key: str, changes: Mapping[str, str]) -> str:
    """The sheet with the changes, made by update_fact on a copy, and checked to differ
    from the original only in the fact's lines."""
    text, entries, (start, end) = _read(root, key)
    styled = {name: _styled(date.min if name == "confirmed_on" else entries[key].get(name),
                            text_) for name, text_ in changes.items()}
    handle, copy = tempfile.mkstemp(prefix="facts.", suffix=".yml")  # outside the project
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        try:
            update_fact(copy, key, styled)
        except FactSheetError as error:
            raise ChangeRejected([Problem("fact", "fact-sheet", f"{error}.")]) from None
        after = Path(copy).read_text(encoding="utf-8")
    finally:
        os.unlink(copy)
    old, new = text.splitlines(keepends=True), after.splitlines(keepends=True)
    tail = len(old) - end
    if old[:start] != new[:start] or old[end:] != new[len(new) - tail:]:
        raise EditingError("No se pudo cambiar el hecho sin alterar el resto de la ficha. No "
                           "se guardó nada; avise al equipo técnico.")
    return after


def _styled(old: object, new: str) -> object:
    """The new text in the old one's YAML style; a date stays a date (`confirmed_on`
    is always written as one, as the sheet writes dates: `date.min` stands for it)."""
    if isinstance(old, date):
        try:
            return date.fromisoformat(new)
        except ValueError:
            return new
    return styled_like(old, new)
