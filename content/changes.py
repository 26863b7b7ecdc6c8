"""What the content editor's changes share: problems, refusals, the applied result,
the cleaning of typed text, and snapshots of the editable files for a roll-back.

Every message is for editors, in Spanish.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from content.yaml_lines import project_lock, write_atomically

_TAG = re.compile(r"<\s*[A-Za-z/!?]")
_SCRIPT_URL = re.compile(r"(?:java|vb)script\s*:|data\s*:\s*text/html", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# The bytes of editable files by path relative to the project (None: the file was missing).
Snapshot = Mapping[str, bytes | None]
MARKUP_MESSAGE = ("No se admite código ni etiquetas (como <b> o javascript:). Escriba solo "
                  "texto: el asistente no muestra formato.")


@dataclass(frozen=True)
class Problem:
    """One thing to fix before a change is accepted.

    `field` is "answer", "block", "paraphrase", "examples", "example" or a fact's field
    ("value", "status", ...); `block` (1-based) and `example` say which one.
    """

    field: str
    rule: str
    message: str
    block: int | None = None
    example: str | None = None

    @property
    def where(self) -> str:
        """The field in the editor's words."""
        if self.block is not None:
            return f"Bloque {self.block}"
        if self.example is not None:
            return f"Ejemplo «{_short(self.example)}»"
        return FIELD_NAMES.get(self.field, self.field)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


FIELD_NAMES = {
    "answer": "Respuesta", "paraphrase": "Tema en palabras sencillas", "examples": "Ejemplos",
    "example": "Ejemplo", "value": "Valor", "status": "Estado", "source": "Fuente",
    "source_kind": "Tipo de fuente", "confirmed_by": "Confirmado por",
    "confirmed_on": "Fecha de confirmación", "description": "Descripción", "fact": "Hecho",
}  # fmt: skip


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


class EditingError(ValueError):
    """A change that cannot be made; the message says why, in Spanish."""


class UnknownItemError(EditingError, KeyError):
    """No such topic or fact."""

    def __str__(self) -> str:
        return str(self.args[0])


class ConflictError(EditingError):
    """Someone else changed the item since the editor opened it; `current` is the item
    as it is now, so the page can show it next to what the editor typed."""

    def __init__(self, message: str, current: Any) -> None:
        super().__init__(message)
        self.current = current


class ChangeRejected(EditingError):
    """The change has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("El cambio no se guardó. " + " ".join(map(str, problems)))
        self.problems = problems


@dataclass(frozen=True)
class AppliedChange:
    """A change written: the unified diff of each changed file (by path relative to the
    project), the item's new revision, and the changed files as they were before."""

    revision: str
    diffs: dict[str, str]
    previous: Snapshot = field(repr=False)


def clean_text(text: str) -> str:
    """Typed text as it is stored: NFC, Unix line ends, no spaces at line ends or around."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def text_problems(text: str, field_name: str, **where: Any) -> list[Problem]:
    """Markup and control characters, refused in every typed text."""
    problems = []
    if _TAG.search(text) or _SCRIPT_URL.search(text):
        problems.append(Problem(field_name, "markup", MARKUP_MESSAGE, **where))
    if _CONTROL.search(text.replace("\t", " ")):
        problems.append(Problem(field_name, "control-characters",
                                "Tiene caracteres invisibles de control. Escriba el texto "
                                "de nuevo o péguelo sin formato.", **where))
    return problems


def revision_of(parts: Iterable[str]) -> str:
    """A short hash of an item's lines in the files: it changes when they change."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") + b"\x00")
    return digest.hexdigest()[:16]


def unified_diff(path: str, before: str, after: str) -> str:
    """The unified diff of one file, as `git diff` would name it."""
    return "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                        after.splitlines(keepends=True),
                                        fromfile=f"a/{path}", tofile=f"b/{path}"))


def editable_paths(root: Path) -> list[str]:
    """The files editors change from the console, relative to the project."""
    nlu = sorted(path.relative_to(root).as_posix() for path in (root / "data/nlu").glob("*.yml"))
    return ["domain.yml", "data/facts.yml", *nlu]


def snapshot(root: Path, paths: Iterable[str] | None = None) -> dict[str, bytes | None]:
    """The bytes of each file (the editable ones by default); None for a missing one."""
    root = Path(root)
    taken: dict[str, bytes | None] = {}
    for path in editable_paths(root) if paths is None else paths:
        file = root / path
        taken[str(path)] = file.read_bytes() if file.exists() else None
    return taken


def restore(root: Path, taken: Snapshot) -> list[str]:
    """Puts every file of the snapshot back as it was (removing one that did not
    exist), under the edit lock; the paths that changed."""
    root = Path(root)
    changed = []
    with project_lock(root):
        for path, data in taken.items():
            file = root / path
            now = file.read_bytes() if file.exists() else None
            if now == data:
                continue
            if data is None:
                file.unlink()
            else:
                write_atomically(file, data)
            changed.append(path)
    return changed
