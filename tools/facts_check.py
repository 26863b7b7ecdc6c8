"""Check of the fact sheet and the answers that use it (issue 18), part of `make check`.

    python -m tools.facts_check [--domain domain.yml] [--facts data/facts.yml]

Problems, printed as ``file:line: item: rule: message`` (exit code 1 when any):
- `fact-sheet`: the sheet breaks its schema (content/facts.py says where);
- `fact-unknown`: an answer names a fact key the sheet does not have;
- `fact-outside-faq`: `{fact:…}` or a `|| ` alternative outside an FAQ answer, where
  nothing would fill it in;
- `fact-block-silent`: with the sheet as it is, a block of an FAQ answer has no
  alternative that can be said (the citizen would miss that block).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ruamel.yaml.error import YAMLError

from content.answers import ALTERNATIVE_MARK, fact_keys, silent_blocks
from content.facts import Fact, FactSheetError, load_fact_sheet
from content.style import FAQ_PREFIX, Problem, domain_texts


def _has_alternatives(text: str) -> bool:
    return any(line.strip().startswith(ALTERNATIVE_MARK) for line in text.splitlines())


def check_answers(domain: Path, facts: dict[str, Fact]) -> list[Problem]:
    """The problems of the domain's responses against the facts."""
    problems = []
    for name, line, text in domain_texts(domain):
        def problem(rule: str, message: str, name: str = name, line: int = line) -> None:
            problems.append(Problem(str(domain), line, name, rule, message))

        if not name.startswith(FAQ_PREFIX):
            if fact_keys(text) or _has_alternatives(text):
                problem("fact-outside-faq",
                        "los hechos ({fact:…}) y las alternativas (||) solo se usan en las "
                        "respuestas utter_faq/…; aquí se mostrarían tal cual")
            continue
        for key in fact_keys(text):
            if key not in facts:
                problem("fact-unknown", f"el hecho {key!r} no está en la ficha de hechos")
        for number, pending in silent_blocks(text, facts):
            problem("fact-block-silent",
                    f"el bloque {number} no se puede decir con los hechos actuales "
                    f"(pendientes: {', '.join(pending) or 'ninguno'}); agregue una "
                    "alternativa con || que no dependa de ellos")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m tools.facts_check",
                                     description="Check the fact sheet and the answers.")
    # Relative to the project being checked (make runs in its directory).
    parser.add_argument("--domain", type=Path, default=Path("domain.yml"))
    parser.add_argument("--facts", type=Path, default=Path("data/facts.yml"))
    args = parser.parse_args(argv)
    try:
        facts = load_fact_sheet(args.facts)
    except FactSheetError as error:
        print(Problem(str(args.facts), 1, "facts", "fact-sheet", str(error)))
        return 1
    try:
        problems = check_answers(args.domain, facts)
    except (OSError, YAMLError) as error:
        print(f"{args.domain}: cannot read: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    pending = sum(1 for fact in facts.values() if not fact.sayable)
    if problems:
        print(f"facts_check: {len(problems)} problem(s); {len(facts)} facts, {pending} pending")
        return 1
    print(f"facts_check: no problems; {len(facts)} facts, {pending} pending")
    return 0


if __name__ == "__main__":
    sys.exit(main())
