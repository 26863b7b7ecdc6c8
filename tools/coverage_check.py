"""Coverage check of the editors' content (E2): answers, examples, orphans, duplicates.

    python -m tools.coverage_check [--root .] [--min-examples 20]

Checks that every intent and FAQ topic of the interface contract (and every other
FAQ topic in `data/nlu/`) has an answer (`utter_faq/<topic>` and its plain words
`utter_topic_faq_<topic>`) and enough training examples (50 for a topic, 20 for an
intent); that no response is an orphan (used by no rule, story or action, and of no
known convention); and that
no example (normalised: case, accents, punctuation) is in two intents. Each
problem is printed as ``file:line: item: rule: message``; exit code 1 when any.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from tools.style_lint import Problem

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


@dataclass(frozen=True)
class Example:
    """One training example and where it is."""

    path: str
    line: int
    label: str
    text: str


def normalize_example(text: str) -> str:
    """An example without annotations, case, accents or punctuation."""
    from addons.text_normalizer import fold

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


def check(root: Path, min_examples: int = MIN_EXAMPLES,
          min_faq_examples: int = MIN_FAQ_EXAMPLES) -> list[Problem]:
    """Every coverage problem of the project at root."""
    problems: list[Problem] = []
    responses, intents, responses_line = load_domain(root)
    examples = load_examples(root)
    domain = "domain.yml"

    by_label: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        by_label[example.label].append(example)

    def where(label: str) -> tuple[str, int]:
        found = by_label.get(label)
        return (found[0].path, found[0].line - 2) if found else ("data/nlu", 1)

    topics = sorted(set(CONTRACT_FAQ_TOPICS) | {
        label.split("/", 1)[1] for label in by_label if label.startswith(RETRIEVAL_INTENT + "/")
    })
    for topic in topics:
        label = f"{RETRIEVAL_INTENT}/{topic}"
        path, line = where(label)
        count = len(by_label.get(label, []))
        if count < min_faq_examples:
            problems.append(Problem(path, line, label, "faq-examples",
                                    f"{count} training examples (min {min_faq_examples})"))
        if f"utter_{label}" not in responses:
            problems.append(Problem(domain, responses_line, label, "faq-answer",
                                    f"no answer: add the response utter_{label}"))
        words = f"utter_topic_{RETRIEVAL_INTENT}_{topic}"
        if words not in responses:
            problems.append(Problem(domain, responses_line, label, "faq-topic-words",
                                    f"no plain words for the paraphrase: add {words}"))

    for intent in sorted(set(CONTRACT_INTENTS) | set(intents)):
        if (intent in SYNTHETIC_INTENTS or intent == RETRIEVAL_INTENT
                or intent.startswith(EXTERNAL_PREFIX)):
            continue
        path, line = where(intent)
        if intent not in intents:
            problems.append(Problem(domain, 1, intent, "contract-intent",
                                    "intent of the contract missing from domain.yml"))
        count = len(by_label.get(intent, []))
        if count < min_examples:
            problems.append(Problem(path, line, intent, "intent-examples",
                                    f"{count} training examples (min {min_examples})"))

    used = used_responses(root)
    for name, line in responses.items():
        if name in used or name.startswith(CONVENTION_PREFIXES):
            continue
        if name.startswith(f"utter_{RETRIEVAL_INTENT}/") and name[len("utter_"):] in by_label:
            continue
        problems.append(Problem(domain, line, name, "orphan-response",
                                "used by no rule, story or action, and no FAQ topic has "
                                "examples for it"))

    seen: dict[str, Example] = {}
    for example in examples:
        key = normalize_example(example.text)
        first = seen.setdefault(key, example)
        if first.label != example.label:
            problems.append(Problem(
                example.path, example.line, example.label, "duplicate-example",
                f"'{example.text}' is also an example of {first.label} "
                f"({first.path}:{first.line})"))
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m tools.coverage_check", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--min-examples", type=int, default=MIN_EXAMPLES)
    args = parser.parse_args(argv)
    try:
        problems = check(args.root, args.min_examples)
    except (OSError, YAMLError) as error:
        print(f"coverage_check: cannot read the project: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    if problems:
        print(f"coverage_check: {len(problems)} problem(s)")
        return 1
    print("coverage_check: no problems")
    return 0


if __name__ == "__main__":
    sys.exit(main())
