"""An editor's draft, as stored by the console, applied to a copy of the project.

A draft's body is what the editor's form holds: for a topic `answer_blocks`,
`paraphrase`, `remove_examples` and `new_examples` (one per line); for a fact the
fields of the sheet the form edits. `change_of_topic` and `fact_fields` turn it into
content.editing's change, and `apply_draft` writes it (revision checked, problems
refused) in the project at `root`: the worker of a publication does it in its copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from content.changes import AppliedChange, EditingError
from content.editing import TopicChange, apply_change, fact_change

TOPIC, FACT = "topic", "fact"
FACT_FIELDS = ("value", "status", "source", "source_kind", "confirmed_by", "confirmed_on")


def typed_examples(typed: str) -> tuple[str, ...]:
    """The new examples of the textarea: one per line, blank lines left out."""
    return tuple(line for line in typed.splitlines() if line.strip())


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None


def change_of_topic(body: Mapping[str, Any]) -> TopicChange:
    """The topic change a draft describes (empty blocks are not sent, so left out)."""
    blocks = _strings(body.get("answer_blocks"))
    paraphrase = body.get("paraphrase")
    new = body.get("new_examples")
    return TopicChange(
        answer_blocks=None if blocks is None else tuple(b for b in blocks if b.strip()),
        paraphrase=paraphrase if isinstance(paraphrase, str) else None,
        add_examples=typed_examples(new) if isinstance(new, str) else (),
        remove_examples=_strings(body.get("remove_examples")) or ())


def fact_fields(body: Mapping[str, Any]) -> dict[str, str]:
    """The fact's fields a draft sets."""
    return {name: body[name] for name in FACT_FIELDS if isinstance(body.get(name), str)}


def apply_draft(root: Path, item: Mapping[str, Any]) -> AppliedChange:
    """Writes one draft ({kind, key, base_revision, body}) into the project at `root`.

    ConflictError when the item changed since `base_revision`; ChangeRejected with the
    problems; EditingError for a draft that is not a topic's or a fact's.
    """
    kind, key = item.get("kind"), str(item.get("key") or "")
    revision, body = str(item.get("base_revision") or ""), item.get("body") or {}
    if not isinstance(body, Mapping):
        raise EditingError(f"El borrador de «{key}» no se puede leer.")
    if kind == TOPIC:
        return apply_change(root, key, change_of_topic(body), revision)
    if kind == FACT:
        fields = fact_fields(body)
        return fact_change(root, key, fields.pop("value", None), fields.pop("status", None),
                           fields.pop("source", None), base_revision=revision, **fields)
    raise EditingError(f"El borrador de «{key}» no es de un tema ni de un hecho.")
