"""The fact sheet (`data/facts.yml`): local and national facts with their provenance.

A fact is said to citizens only when it is confirmed and has a value; a pending one is
left out of the answers (content/answers.py). `FactSheetCache` rereads the file when it
changes, so a fact edit reaches the action server without retraining or a restart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

STATUSES = ("confirmed", "pending")
SCOPES = ("national", "tenjo")
SOURCE_KINDS = ("official", "secondary", "protocol", "")
KEY = re.compile(r"^[a-z][a-z0-9_]*$")
FIELDS = ("value", "status", "scope", "description", "source", "source_kind",
          "confirmed_by", "confirmed_on")


class FactSheetError(ValueError):
    """The fact sheet cannot be read or breaks its schema (the message names the fact)."""


@dataclass(frozen=True)
class Fact:
    """One fact of the sheet."""

    key: str
    value: str
    status: str
    scope: str
    description: str
    source: str = ""
    source_kind: str = ""
    confirmed_by: str = ""
    confirmed_on: str = ""

    @property
    def sayable(self) -> bool:
        """Whether answers may state it: confirmed, with a value."""
        return self.status == "confirmed" and bool(self.value.strip())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def parse_fact(key: str, entry: Any) -> Fact:
    """One entry of the sheet as a Fact; FactSheetError says what is wrong with it."""
    if not KEY.match(str(key)):
        raise FactSheetError(f"la clave {key!r} debe ir en minúsculas, con letras, números y _")
    if not isinstance(entry, Mapping):
        raise FactSheetError(f"{key}: se esperaba un bloque con value, status, scope…")
    unknown = sorted(set(entry) - set(FIELDS))
    if unknown:
        raise FactSheetError(f"{key}: campos desconocidos: {', '.join(map(str, unknown))}")
    fact = Fact(key=str(key), **{name: _text(entry.get(name)) for name in FIELDS})
    if fact.status not in STATUSES:
        raise FactSheetError(f"{key}: status debe ser confirmed o pending, no {fact.status!r}")
    if fact.scope not in SCOPES:
        raise FactSheetError(f"{key}: scope debe ser national o tenjo, no {fact.scope!r}")
    if fact.source_kind not in SOURCE_KINDS:
        raise FactSheetError(
            f"{key}: source_kind debe ser official, secondary o protocol, no {fact.source_kind!r}")
    if not fact.description:
        raise FactSheetError(f"{key}: falta la descripción")
    if fact.status == "confirmed":
        missing = [name for name in ("value", "source", "source_kind", "confirmed_by",
                                     "confirmed_on") if not getattr(fact, name)]
        if missing:
            raise FactSheetError(f"{key}: un hecho confirmado necesita {', '.join(missing)}")
        try:
            date.fromisoformat(fact.confirmed_on)
        except ValueError:
            raise FactSheetError(
                f"{key}: confirmed_on debe ser una fecha AAAA-MM-DD, no {fact.confirmed_on!r}"
            ) from None
    return fact


def parse_fact_sheet(text: str) -> dict[str, Fact]:
    """The facts of a sheet's YAML text, by key; FactSheetError when it breaks the schema."""
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise FactSheetError(f"el archivo no es YAML válido: {error}") from None
    if not isinstance(document, Mapping) or not isinstance(document.get("facts") or {}, Mapping):
        raise FactSheetError("se esperaba una sección facts: con un bloque por hecho")
    return {str(key): parse_fact(key, entry)
            for key, entry in (document.get("facts") or {}).items()}


def load_fact_sheet(path: Path | str) -> dict[str, Fact]:
    """The facts of the sheet at `path`; FactSheetError when it is missing or broken."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise FactSheetError(f"no se pudo leer {path}: {error.strerror or error}") from None
    return parse_fact_sheet(text)


class FactSheetCache:
    """The sheet at `path`, reread when its modification time or size changes.

    A sheet that becomes unreadable keeps the last good facts (an editor's half-saved
    file must not empty every answer); `error` says why until it is fixed.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._stamp: tuple[int, int] | None = None
        self._facts: dict[str, Fact] = {}
        self.error: str | None = None

    def facts(self) -> dict[str, Fact]:
        """The current facts (empty when the sheet was never readable)."""
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError as error:
            self.error = f"no se pudo leer {self.path}: {error.strerror or error}"
            return self._facts
        if stamp != self._stamp:
            try:
                self._facts = load_fact_sheet(self.path)
                self.error = None
            except FactSheetError as error:
                self.error = str(error)
            self._stamp = stamp
        return self._facts


def _set_fields(mapping: Any, changes: Mapping[str, str]) -> None:
    """Sets the fields of a round-trip mapping; a field it did not have goes last, and
    the blank line that ended the mapping moves after it (ruamel keeps that line as a
    comment of the key that was last, and would put the new field after it)."""
    added = [field for field in changes if field not in mapping]
    last = next(reversed(mapping), None) if added else None
    trailing = mapping.ca.items.pop(last, None) if last is not None else None
    for field, value in changes.items():
        mapping[field] = value
    if trailing is not None:
        mapping.ca.items[next(reversed(mapping))] = trailing


def update_fact(path: Path | str, key: str, changes: Mapping[str, str]) -> Fact:
    """Changes fields of one fact in the sheet at `path`, keeping the rest of the file as
    written (comments, order); FactSheetError, with the file untouched, when the key is
    unknown or the result would break the schema. Returns the fact as written."""
    import io

    from ruamel.yaml import YAML

    path = Path(path)
    round_trip = YAML()
    round_trip.width = 4096  # long descriptions stay on one line
    round_trip.preserve_quotes = True
    document = round_trip.load(path.read_text(encoding="utf-8"))
    entries = (document or {}).get("facts") or {}
    if key not in entries:
        raise FactSheetError(f"no hay un hecho con la clave {key!r}")
    unknown = [field for field in changes if field not in FIELDS]
    if unknown:
        raise FactSheetError(f"{key}: campo desconocido {unknown[0]!r}")
    _set_fields(entries[key], changes)
    buffer = io.StringIO()
    round_trip.dump(document, buffer)
    fact = parse_fact_sheet(buffer.getvalue())[key]
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return fact
