"""Editing FAQ topics from the console, the files staying the source of truth.

- `topics(root)`: every FAQ topic, by area (its data/nlu file);
- `load_topic(root, topic)`: its answer blocks, plain words, examples and `revision`;
- `check_change(root, topic, change)`: the problems of a change, in Spanish; nothing
  is written;
- `apply_change(root, topic, change, base_revision)`: writes domain.yml and the
  data/nlu file, changing only the topic's lines, and returns the diffs;
- `fact_change(...)`: the same for one fact of the sheet (content/fact_editing.py);
- `snapshot(root)` / `restore(root, taken)`: the editable files' bytes, to roll a
  publication back in one step.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from content.answers import split_blocks
from content.changes import (
    AppliedChange,
    ChangeRejected,
    ConflictError,
    EditingError,
    Problem,
    Snapshot,
    UnknownItemError,
    clean_text,
    editable_paths,
    restore,
    snapshot,
    unified_diff,
)
from content.coverage import (
    RETRIEVAL_INTENT,
    answer_name,
    by_label,
    faq_topics,
    load_examples,
    topic_words_name,
)
from content.fact_editing import FactContent, check_fact, fact_change, load_fact
from content.facts import Fact, FactSheetError, load_fact_sheet
from content.topic_checks import answer_problems, example_problems, paraphrase_problems
from content.topic_files import TopicFiles, locate
from content.yaml_lines import project_lock, write_atomically

__all__ = [
    "AppliedChange", "ChangeRejected", "ConflictError", "EditingError", "FactContent",
    "Problem", "Snapshot", "TopicChange", "TopicContent", "TopicSummary", "UnknownItemError",
    "apply_change", "area_of", "check_change", "check_fact", "editable_paths", "fact_change",
    "load_fact", "load_topic", "restore", "snapshot", "topics",
]  # fmt: skip

CONFLICT = ("Otra persona cambió este tema mientras usted lo editaba. Revise el contenido "
            "actual y vuelva a aplicar su cambio: lo que usted escribió no se perdió.")


@dataclass(frozen=True)
class TopicSummary:
    """One line of the topics' list."""

    topic: str
    area: str  # the data/nlu file without "faq_": "social", "tributos"...
    path: str  # that file, relative to the project ("" when it has no examples)
    paraphrase: str
    example_count: int


@dataclass(frozen=True)
class TopicContent:
    """A topic as the editor sees it; `revision` changes when its lines change."""

    topic: str
    area: str
    path: str
    answer_blocks: tuple[str, ...]  # `{fact:…}` and `|| ` lines as written
    paraphrase: str
    examples: tuple[str, ...]
    revision: str


@dataclass(frozen=True)
class TopicChange:
    """What an editor changes; None (or empty) leaves that part as it is."""

    answer_blocks: tuple[str, ...] | None = None
    paraphrase: str | None = None
    add_examples: tuple[str, ...] = field(default=())
    remove_examples: tuple[str, ...] = field(default=())

    def cleaned(self) -> TopicChange:
        """The change as it would be stored: NFC, no stray spaces, no blank line inside
        a block, each example added once."""
        def block(text: str) -> str:
            return "\n".join(line for line in clean_text(text).split("\n") if line.strip())

        return replace(
            self,
            answer_blocks=None if self.answer_blocks is None
            else tuple(block(text) for text in self.answer_blocks),
            paraphrase=None if self.paraphrase is None else clean_text(self.paraphrase),
            add_examples=tuple(dict.fromkeys(clean_text(text) for text in self.add_examples)),
            remove_examples=tuple(dict.fromkeys(clean_text(text)
                                                for text in self.remove_examples)))


def area_of(path: str) -> str:
    """The area of a data/nlu file: `data/nlu/faq_social.yml` → `social`."""
    return Path(path).stem.removeprefix(f"{RETRIEVAL_INTENT}_") if path else ""


def topics(root: Path) -> list[TopicSummary]:
    """Every FAQ topic (with examples, or of the contract), by area then file order."""
    root = Path(root)
    grouped = by_label(load_examples(root))
    responses = (yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))
                 or {}).get("responses") or {}
    found = []
    for topic in faq_topics(grouped):
        examples = grouped.get(f"{RETRIEVAL_INTENT}/{topic}", [])
        path = examples[0].path if examples else ""
        found.append((area_of(path), examples[0].line if examples else 0, TopicSummary(
            topic, area_of(path), path, _first_text(responses, topic_words_name(topic)),
            len(examples))))
    return [summary for *_, summary in sorted(found, key=lambda entry: entry[:2])]


def _first_text(responses: dict, name: str) -> str:
    variations = responses.get(name) or [{}]
    return str(variations[0].get("text") or "") if isinstance(variations[0], dict) else ""


def _content(files: TopicFiles) -> TopicContent:
    return TopicContent(files.topic, area_of(files.nlu_path), files.nlu_path,
                        tuple(split_blocks(files.answer() or "")), files.paraphrase() or "",
                        tuple(files.examples()), files.revision())


def load_topic(root: Path, topic: str) -> TopicContent:
    """The topic's content; UnknownItemError when there is no such topic."""
    return _content(locate(Path(root), topic))


def check_change(root: Path, topic: str, change: TopicChange) -> list[Problem]:
    """Every problem of the change, in Spanish, with the field it concerns; writes
    nothing."""
    return _problems(Path(root), locate(Path(root), topic), change.cleaned())


def _problems(root: Path, files: TopicFiles, change: TopicChange) -> list[Problem]:
    problems: list[Problem] = []
    if change.answer_blocks is not None:
        if files.answer() is None:
            problems.append(Problem("answer", "faq-answer",
                                    f"El tema no tiene respuesta {answer_name(files.topic)} "
                                    "en domain.yml. Pida al equipo técnico que la agregue."))
        else:
            facts, error = _facts(root, change)
            if error:
                problems.append(Problem("answer", "fact-sheet",
                                        "La ficha de hechos (data/facts.yml) tiene un error y "
                                        f"no se pudieron revisar los hechos: {error}."))
            problems += answer_problems(change.answer_blocks, facts)
    if change.paraphrase is not None:
        if files.paraphrase() is None:
            problems.append(Problem("paraphrase", "faq-topic-words",
                                    f"El tema no tiene {topic_words_name(files.topic)} en "
                                    "domain.yml. Pida al equipo técnico que lo agregue."))
        else:
            problems += paraphrase_problems(change.paraphrase)
    if change.add_examples or change.remove_examples:
        others = load_examples(root) if change.add_examples else []
        problems += example_problems(files.topic, files.examples(), change.add_examples,
                                     change.remove_examples, others)
    return problems


def _facts(root: Path, change: TopicChange) -> tuple[dict[str, Fact] | None, str]:
    """The fact sheet when the answer names facts (None and why, when unreadable)."""
    if not any("{fact" in block for block in change.answer_blocks or ()):
        return {}, ""
    try:
        return load_fact_sheet(root / "data/facts.yml"), ""
    except FactSheetError as error:
        return None, str(error)


def apply_change(root: Path, topic: str, change: TopicChange,
                 base_revision: str) -> AppliedChange:
    """Writes the change to domain.yml and the topic's data/nlu file, only its lines.

    ConflictError (with the topic as it is now) when `base_revision` is not the
    topic's revision; ChangeRejected with the problems when it has any. Returns the
    unified diff per changed file, the new revision and the files as they were.
    """
    root, change = Path(root), change.cleaned()
    with project_lock(root):
        files = locate(root, topic)
        current = _content(files)
        if current.revision != base_revision:
            raise ConflictError(CONFLICT, current)
        problems = _problems(root, files, change)
        if problems:
            raise ChangeRejected(problems)
        answer = None if change.answer_blocks is None else "\n\n".join(change.answer_blocks)
        texts = files.edited(answer, change.paraphrase, change.add_examples,
                             change.remove_examples)
        previous = {path: (root / path).read_bytes() for path in texts}
        try:
            for path, text in texts.items():
                write_atomically(root / path, text.encode("utf-8"))
        except BaseException:
            for path, data in previous.items():
                write_atomically(root / path, data)
            raise
        revision = load_topic(root, topic).revision if texts else current.revision
    diffs = {path: unified_diff(path, previous[path].decode("utf-8"), text)
             for path, text in texts.items()}
    return AppliedChange(revision, diffs, previous)
