"""Answers built from the fact sheet: `{fact:<key>}` placeholders and `|| ` alternatives.

An answer's text is blocks separated by blank lines. A block may hold alternatives: each
line that starts with `|| ` begins a new one. The first alternative whose facts are all
sayable (content/facts.py) is said, with the facts' values in place; a block with none
left is omitted. So a pending fact never reaches a citizen, and the alternative written
for that case (the website, the CISAT, the PQRD form) does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from content.facts import Fact

FACT_REFERENCE = re.compile(r"\{fact:([A-Za-z0-9_]+)\}")
ALTERNATIVE_MARK = "||"
_BLOCK_BREAK = re.compile(r"\n\s*\n")


def split_blocks(text: str) -> list[str]:
    """The blocks of an answer, separated by blank lines."""
    return [block.strip() for block in _BLOCK_BREAK.split(text) if block.strip()]


def alternatives(block: str) -> list[str]:
    """The alternatives of one block, in order (one when it has no `|| ` line)."""
    found: list[list[str]] = [[]]
    for line in block.splitlines():
        stripped = line.strip()
        if stripped.startswith(ALTERNATIVE_MARK):
            found.append([stripped[len(ALTERNATIVE_MARK):].strip()])
        else:
            found[-1].append(stripped)
    return [" ".join(part for part in lines if part) for lines in found
            if any(part for part in lines)]


def fact_keys(text: str) -> list[str]:
    """The fact keys a text names, in order, each once."""
    return list(dict.fromkeys(FACT_REFERENCE.findall(text)))


def sayable(alternative: str, facts: Mapping[str, Fact]) -> bool:
    """Whether every fact the alternative names is known and sayable."""
    return all(key in facts and facts[key].sayable for key in fact_keys(alternative))


def fill_facts(alternative: str, facts: Mapping[str, Fact]) -> str:
    """The alternative with each `{fact:key}` replaced by the fact's value."""
    return FACT_REFERENCE.sub(lambda m: facts[m.group(1)].value.strip(), alternative)


def render_blocks(text: str, facts: Mapping[str, Fact]) -> list[str]:
    """The blocks a citizen reads: per block, the first sayable alternative, filled."""
    said = []
    for block in split_blocks(text):
        chosen = next((alt for alt in alternatives(block) if sayable(alt, facts)), None)
        if chosen is not None:
            said.append(fill_facts(chosen, facts))
    return said


def iter_texts(text: str) -> Iterator[str]:
    """Every alternative of every block: what the style linter checks one by one."""
    for block in split_blocks(text):
        yield from alternatives(block)


def weakened_by(text: str, facts: Mapping[str, Fact]) -> list[str]:
    """The pending (or unknown) facts that keep a first alternative from being said."""
    missing: list[str] = []
    for block in split_blocks(text):
        first = alternatives(block)[0]
        missing += [key for key in fact_keys(first)
                    if not (key in facts and facts[key].sayable) and key not in missing]
    return missing


def silent_blocks(text: str, facts: Mapping[str, Fact]) -> list[tuple[int, list[str]]]:
    """The blocks (1-based number, pending facts it names) that no alternative can say
    with the facts as they are: the citizen would miss them."""
    silent = []
    for number, block in enumerate(split_blocks(text), start=1):
        if not any(sayable(alt, facts) for alt in alternatives(block)):
            silent.append((number, [key for key in fact_keys(block)
                                    if key in facts and not facts[key].sayable]))
    return silent

