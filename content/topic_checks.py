"""The problems of a change to an FAQ topic, in the editors' Spanish.

The same rules as `make check` (content/style.py, content/coverage.py, the facts of
tools/facts_check.py), applied to what the editor typed, plus limits on size and a
refusal of markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from content.answers import ALTERNATIVE_MARK, FACT_REFERENCE, fact_keys, silent_blocks
from content.changes import Problem, text_problems
from content.coverage import (
    MIN_FAQ_EXAMPLES,
    RETRIEVAL_INTENT,
    Example,
    normalize_example,
)
from content.facts import Fact
from content.style import lint_findings

MAX_ANSWER_CHARS = 4000
MAX_EXAMPLE_CHARS = 300
MAX_PARAPHRASE_CHARS = 200
_FACT_MENTION = re.compile(r"\{\s*fact\b", re.IGNORECASE)
_ANNOTATION = re.compile(r"\[[^\]]+\](?:\([^)]*\)|\{[^}]*\})")
_ENDING = ".,;:!?¿¡"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _style(text: str, field: str, *, faq: bool = False, **where: object) -> list[Problem]:
    return [Problem(field, finding.rule, _sentence(finding.spanish), **where)
            for finding in lint_findings(text, faq=faq)]


def block_problems(number: int, block: str, facts: Mapping[str, Fact] | None) -> list[Problem]:
    """One answer block: markup, style, facts (`facts` None: the sheet is unreadable)."""
    if not block:
        return [Problem("block", "block-empty", "El bloque está vacío. Escríbalo o quítelo.",
                        block=number)]
    problems = text_problems(block, "block", block=number)
    problems += _style(block, "block", faq=True, block=number)
    if len(_FACT_MENTION.findall(block)) > len(FACT_REFERENCE.findall(block)):
        problems.append(Problem("block", "fact-reference",
                                "Un hecho se escribe así, sin espacios: {fact:clave}.",
                                block=number))
    if facts is None:
        return problems
    unknown = [key for key in fact_keys(block) if key not in facts]
    problems += [Problem("block", "fact-unknown",
                         f"El hecho «{key}» no está en la ficha de hechos (data/facts.yml). "
                         "Revise la clave o agregue el hecho a la ficha.", block=number)
                 for key in unknown]
    for _, pending in [] if unknown else silent_blocks(block, facts):
        problems.append(Problem("block", "fact-block-silent",
                                "Con los hechos actuales no se puede decir (pendientes: "
                                f"{', '.join(pending) or 'ninguno'}). Agregue una alternativa "
                                "con || que no dependa de ellos.", block=number))
    return problems


def answer_problems(blocks: Sequence[str], facts: Mapping[str, Fact] | None) -> list[Problem]:
    """The answer's blocks; one clear problem when it is far too long to check."""
    answer = "\n\n".join(block for block in blocks if block)
    if len(answer) > MAX_ANSWER_CHARS:
        return [Problem("answer", "answer-length",
                        f"La respuesta tiene {len(answer)} caracteres y el máximo es "
                        f"{MAX_ANSWER_CHARS}. Recórtela: cada bloque llega como un mensaje.")]
    if not answer:
        return [Problem("answer", "answer-empty",
                        "La respuesta está vacía. Escriba al menos un bloque.")]
    problems = []
    for number, block in enumerate(blocks, start=1):
        problems += block_problems(number, block, facts)
    problems += [Problem("answer", finding.rule, _sentence(finding.spanish))
                 for finding in lint_findings(answer, faq=True) if finding.rule == "faq-blocks"]
    return problems


def paraphrase_problems(text: str) -> list[Problem]:
    """The topic in plain words, said in «Entiendo que su consulta es sobre …»."""
    def problem(rule: str, message: str) -> Problem:
        return Problem("paraphrase", rule, message)

    if not text:
        return [problem("paraphrase-empty", "Escriba el tema en palabras sencillas.")]
    if len(text) > MAX_PARAPHRASE_CHARS:
        return [problem("paraphrase-length",
                        f"Tiene {len(text)} caracteres y el máximo es {MAX_PARAPHRASE_CHARS}. "
                        "Nombre el tema en pocas palabras.")]
    problems = text_problems(text, "paraphrase")
    if "\n" in text:
        problems.append(problem("paraphrase-lines", "Escriba el tema en una sola línea."))
    if fact_keys(text) or _FACT_MENTION.search(text) or text.startswith(ALTERNATIVE_MARK):
        problems.append(problem("fact-outside-faq",
                                "Aquí no se usan hechos ({fact:…}) ni alternativas (||): se "
                                "mostrarían tal cual. Escriba el tema con palabras."))
    if text[-1] in _ENDING:
        problems.append(problem("paraphrase-ending",
                                "Quite el signo del final. La frase se lee así: «Entiendo que "
                                f"su consulta es sobre {text.rstrip(_ENDING)}. ¿Es correcto?»."))
    return problems + _style(text, "paraphrase")


def example_problems(topic: str, current: Sequence[str], add: Sequence[str],
                     remove: Sequence[str], others: Iterable[Example]) -> list[Problem]:
    """Examples added or removed: each is valid and new, and enough remain."""
    label = f"{RETRIEVAL_INTENT}/{topic}"
    problems: list[Problem] = []
    for example in remove:
        if example not in current:
            problems.append(Problem("example", "example-missing",
                                    "No es un ejemplo de este tema: no se puede quitar.",
                                    example=example))
        if example in add:
            problems.append(Problem("example", "example-conflict",
                                    "Está a la vez entre los ejemplos que se agregan y los "
                                    "que se quitan.", example=example))
    elsewhere: dict[str, Example] = {}
    for other in others:
        if other.label != label:
            elsewhere.setdefault(normalize_example(other.text), other)
    kept = {normalize_example(example): example for example in current
            if example not in remove}
    for example in add:
        problems += _new_example_problems(example, elsewhere, kept)
        kept.setdefault(normalize_example(example), example)
    count = sum(example not in remove for example in current) + len(add)
    if count < MIN_FAQ_EXAMPLES:
        problems.append(Problem("examples", "faq-examples",
                                f"El tema quedaría con {count} ejemplos y necesita al menos "
                                f"{MIN_FAQ_EXAMPLES}. Agregue ejemplos o quite menos."))
    return problems


def _new_example_problems(example: str, elsewhere: Mapping[str, Example],
                          kept: Mapping[str, str]) -> list[Problem]:
    def problem(rule: str, message: str) -> list[Problem]:
        return [Problem("example", rule, message, example=example)]

    if not normalize_example(example):
        return problem("example-empty", "El ejemplo está vacío o no tiene palabras.")
    if len(example) > MAX_EXAMPLE_CHARS:
        return problem("example-length",
                       f"Tiene {len(example)} caracteres y el máximo es {MAX_EXAMPLE_CHARS}. "
                       "Escriba un mensaje como los que envían los ciudadanos.")
    problems = text_problems(example, "example", example=example)
    if "\n" in example:
        problems += problem("example-lines", "Un ejemplo se escribe en una sola línea.")
    if _ANNOTATION.search(example):
        problems += problem("example-annotation",
                            "Los ejemplos de los temas no llevan anotaciones [texto](entidad).")
    key = normalize_example(example)
    if key in elsewhere:
        other = elsewhere[key]
        problems += problem("duplicate-example",
                            f"Ya es un ejemplo de {other.label} ({other.path}, línea "
                            f"{other.line}): «{other.text}». Un mismo ejemplo no puede "
                            "estar en dos temas.")
    elif key in kept:
        problems += problem("duplicate-example",
                            f"Ya es un ejemplo de este tema: «{kept[key]}».")
    return problems
