"""Coverage rules of the editors' content (E2), shared by `tools/coverage_check.py`
(`make check`) and the console's content editor.

Every intent and FAQ topic of the interface contract (and every other FAQ topic in
`data/nlu/`) has an answer (`utter_faq/<topic>` and its plain words
`utter_topic_faq_<topic>`) and enough training examples (50 for a topic, 20 for an
intent); no response is an orphan (used by no rule, story or action, and of no known
convention); no example (normalised: case, accents, punctuation) is in two intents.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

from content.style import Problem

# Names fixed by the interface contract (CONTRACT.md): never rename them.
CONTRACT_INTENTS = (
    "greet", "goodbye", "affirm", "deny", "thank", "inform_name", "request_human",
    "ask_hours", "complex_request", "offensive", "commercial", "bot_challenge",
    "out_of_scope",
)  # fmt: skip
CONTRACT_FAQ_TOPICS = (
    "impuesto_predial", "industria_comercio", "certificado_residencia", "sisben",
    "licencia_construccion", "uso_suelo", "paz_salvo", "estratificacion", "nomenclatura",
    "ubicacion_contacto", "programas_sociales", "comisaria_familia", "inspeccion_policia",
    "empleo", "cupos_escolares", "afiliacion_salud", "estado_pqrd",
)  # fmt: skip
RETRIEVAL_INTENT = "faq"
# Intents set by components, never by training examples.
SYNTHETIC_INTENTS = frozenset({"check_understanding", "nlu_fallback"})
# Events sent through Rasa's HTTP API (the console, the sweep), never typed.
EXTERNAL_PREFIX = "EXTERNAL_"
# Responses looked up by name pattern rather than named in a rule or an action.
CONVENTION_PREFIXES = ("utter_topic_",)
# Code that says responses by name: the actions, and the console's canned scripts (A3).
CODE_FOLDERS = ("actions", "console")
MIN_EXAMPLES = 20
# An FAQ topic needs more: it competes with 29 others and with complex_request (issue 18).
MIN_FAQ_EXAMPLES = 50

_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_WORD = re.compile(r"[a-z0-9ñ]+")
_UTTER = re.compile(r"\butter_[a-z0-9_/]+")
_REPEATS = re.compile(r"(\w)\1{2,}")


@dataclass(frozen=True)
class Example:
    """One training example and where it is."""

    path: str
    line: int
    label: str
    text: str


def answer_name(topic: str) -> str:
    """The response that answers an FAQ topic: `utter_faq/<topic>`."""
    return f"utter_{RETRIEVAL_INTENT}/{topic}"


def topic_words_name(topic: str) -> str:
    """The response with the topic's plain words: `utter_topic_faq_<topic>`."""
    return f"utter_topic_{RETRIEVAL_INTENT}_{topic}"


def fold(text: str) -> str:
    """Lower-case, strip accents and collapse letters repeated 3+ times: the NLU
    normaliser's `fold` (addons/text_normalizer.py), without importing Rasa."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _REPEATS.sub(r"\1", stripped)


def normalize_example(text: str) -> str:
    """An example without annotations, case, accents or punctuation."""
    return " ".join(_WORD.findall(fold(_ANNOTATION.sub(r"\1", text))))


def _load_yaml(path: Path) -> object:
    with open(path, encoding="utf-8") as handle:
        return YAML(typ="rt").load(handle)


def load_examples(root: Path) -> list[Example]:
    """Every intent example of the NLU files under data/, with its file and line."""
    examples = []
    for path in sorted((root / "data").rglob("*.yml")):
        document = _load_yaml(path)
        items = document.get("nlu") if isinstance(document, dict) else None
        for item in items or []:
            if not isinstance(item, dict) or "intent" not in item:
                continue
            block = str(item.get("examples") or "")
            first = item.lc.key("examples")[0] + 2  # the block starts on the next line
            for offset, raw in enumerate(block.splitlines()):
                text = raw.strip()
                if text.startswith("- "):
                    examples.append(Example(str(path.relative_to(root)), first + offset,
                                            str(item["intent"]), text[2:].strip()))
    return examples


def load_domain(root: Path) -> tuple[dict[str, int], list[str], int]:
    """The domain's responses (name: line), intents, and the line of `responses:`."""
    document = _load_yaml(root / "domain.yml")
    responses = document.get("responses") or {}
    lines = {str(name): responses.lc.key(name)[0] + 1 for name in responses}
    intents = [str(i) if not isinstance(i, dict) else str(next(iter(i)))
               for i in document.get("intents") or []]
    return lines, intents, document.lc.key("responses")[0] + 1


def used_responses(root: Path) -> set[str]:
    """Responses named in rules, stories, the actions or the console."""
    used: set[str] = set()
    for folder in ("data/rules", "data/stories"):
        for path in sorted((root / folder).rglob("*.yml")):
            used |= set(re.findall(r"action:\s*(utter_[a-z0-9_/]+)",
                                   path.read_text(encoding="utf-8")))
    for folder in CODE_FOLDERS:
        for path in sorted((root / folder).rglob("*.py")):
            used |= set(_UTTER.findall(path.read_text(encoding="utf-8")))
    return used


def by_label(examples: Iterable[Example]) -> dict[str, list[Example]]:
    """The examples grouped by intent label, in file order."""
    grouped: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        grouped[example.label].append(example)
    return grouped


def faq_topics(labels: Iterable[str]) -> list[str]:
    """The contract's FAQ topics and every topic with examples, sorted."""
    prefix = RETRIEVAL_INTENT + "/"
    return sorted(set(CONTRACT_FAQ_TOPICS)
                  | {label.split("/", 1)[1] for label in labels if label.startswith(prefix)})


def topic_problems(topic: str, count: int, where: tuple[str, int],
                   responses: dict[str, int], responses_line: int,
                   min_faq_examples: int = MIN_FAQ_EXAMPLES) -> list[Problem]:
    """An FAQ topic's problems: too few examples, no answer, no plain words."""
    problems: list[Problem] = []
    label = f"{RETRIEVAL_INTENT}/{topic}"
    if count < min_faq_examples:
        problems.append(Problem(*where, label, "faq-examples",
                                f"{count} training examples (min {min_faq_examples})"))
    if answer_name(topic) not in responses:
        problems.append(Problem("domain.yml", responses_line, label, "faq-answer",
                                f"no answer: add the response {answer_name(topic)}"))
    if topic_words_name(topic) not in responses:
        problems.append(Problem("domain.yml", responses_line, label, "faq-topic-words",
                                f"no plain words for the paraphrase: add "
                                f"{topic_words_name(topic)}"))
    return problems


def duplicate_problems(examples: Iterable[Example]) -> list[Problem]:
    """Each example whose normalised text is already an example of another intent."""
    problems: list[Problem] = []
    seen: dict[str, Example] = {}
    for example in examples:
        first = seen.setdefault(normalize_example(example.text), example)
        if first.label != example.label:
            problems.append(Problem(
                example.path, example.line, example.label, "duplicate-example",
                f"'{example.text}' is also an example of {first.label} "
                f"({first.path}:{first.line})"))
    return problems


def check(root: Path, min_examples: int = MIN_EXAMPLES,
          min_faq_examples: int = MIN_FAQ_EXAMPLES) -> list[Problem]:
    """Every coverage problem of the project at root."""
    problems: list[Problem] = []
    responses, intents, responses_line = load_domain(root)
    examples = load_examples(root)
    grouped = by_label(examples)

    def where(label: str) -> tuple[str, int]:
        found = grouped.get(label)
        return (found[0].path, found[0].line - 2) if found else ("data/nlu", 1)

    for topic in faq_topics(grouped):
        label = f"{RETRIEVAL_INTENT}/{topic}"
        problems += topic_problems(topic, len(grouped.get(label, [])), where(label),
                                   responses, responses_line, min_faq_examples)

    for intent in sorted(set(CONTRACT_INTENTS) | set(intents)):
        if (intent in SYNTHETIC_INTENTS or intent == RETRIEVAL_INTENT
                or intent.startswith(EXTERNAL_PREFIX)):
            continue
        path, line = where(intent)
        if intent not in intents:
            problems.append(Problem("domain.yml", 1, intent, "contract-intent",
                                    "intent of the contract missing from domain.yml"))
        count = len(grouped.get(intent, []))
        if count < min_examples:
            problems.append(Problem(path, line, intent, "intent-examples",
                                    f"{count} training examples (min {min_examples})"))

    used = used_responses(root)
    for name, line in responses.items():
        if name in used or name.startswith(CONVENTION_PREFIXES):
            continue
        if name.startswith(f"utter_{RETRIEVAL_INTENT}/") and name[len("utter_"):] in grouped:
            continue
        problems.append(Problem("domain.yml", line, name, "orphan-response",
                                "used by no rule, story or action, and no FAQ topic has "
                                "examples for it"))

    return problems + duplicate_problems(examples)
