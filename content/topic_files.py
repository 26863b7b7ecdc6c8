"""Where an FAQ topic lives in the files, and its edited texts.

A topic is its answer `utter_faq/<topic>` and its plain words `utter_topic_faq_<topic>`
in domain.yml, and its `- intent: faq/<topic>` item in a data/nlu file. Edits change
only those lines (content/yaml_lines.py); each edited file is re-read and compared
with what was meant before anything is written.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml.scalarstring import LiteralScalarString

from content.changes import EditingError, UnknownItemError, revision_of
from content.coverage import RETRIEVAL_INTENT, answer_name, topic_words_name
from content.yaml_lines import load_round_trip, node_span, replace_value

DOMAIN = "domain.yml"
_UNSAFE = ("No se pudo escribir el cambio sin alterar el resto de {path}. No se guardó "
           "nada; avise al equipo técnico.")


def example_lines(block: str) -> list[str]:
    """The examples of an `examples: |` block, as load_examples reads them."""
    return [line.strip()[2:].strip() for line in block.splitlines()
            if line.strip().startswith("- ")]


def _variation(responses: Any, name: str) -> Any:
    """The first variation of a response when it has a text; None otherwise."""
    variations = responses.get(name) if isinstance(responses, dict) else None
    if isinstance(variations, list) and variations and isinstance(variations[0], dict) \
            and isinstance(variations[0].get("text"), str):
        return variations[0]
    return None


def _dash_span(lines: list[str], item: Any) -> tuple[int, int]:
    """The lines of a sequence item (a mapping written after "- ")."""
    prefix = lines[item.lc.line][:item.lc.col]
    if prefix.strip() != "-":
        raise EditingError("El tema no tiene la forma «- intent: faq/<tema>» en su archivo.")
    return node_span(lines, item.lc.line, prefix.index("-"))


@dataclass
class TopicFiles:
    """One topic's texts and nodes, read once (under the edit lock when writing)."""

    topic: str
    domain_text: str
    domain: Any
    nlu_path: str
    nlu_text: str
    nlu: Any
    item: Any

    @property
    def responses(self) -> Any:
        return self.domain.get("responses") if isinstance(self.domain, dict) else None

    def answer(self) -> str | None:
        node = _variation(self.responses, answer_name(self.topic))
        return None if node is None else str(node["text"])

    def paraphrase(self) -> str | None:
        node = _variation(self.responses, topic_words_name(self.topic))
        return None if node is None else str(node["text"])

    def examples(self) -> list[str]:
        return example_lines(str(self.item.get("examples") or ""))

    def _response_lines(self, name: str) -> str:
        if not isinstance(self.responses, dict) or name not in self.responses:
            return ""
        lines = self.domain_text.splitlines(keepends=True)
        line, column = self.responses.lc.key(name)
        start, end = node_span(lines, line, column)
        return "".join(lines[start:end])

    def revision(self) -> str:
        """A hash of exactly this topic's lines in domain.yml and its data/nlu file."""
        lines = self.nlu_text.splitlines(keepends=True)
        start, end = _dash_span(lines, self.item)
        return revision_of([DOMAIN, self._response_lines(answer_name(self.topic)),
                            self._response_lines(topic_words_name(self.topic)),
                            self.nlu_path, "".join(lines[start:end])])

    def edited(self, answer: str | None, paraphrase: str | None,
               add: tuple[str, ...], remove: tuple[str, ...]) -> dict[str, str]:
        """The new text of each file the change alters (none when it alters nothing)."""
        texts = {}
        edits = {name: text for name, text, old in (
            (answer_name(self.topic), answer, self.answer()),
            (topic_words_name(self.topic), paraphrase, self.paraphrase()),
        ) if text is not None and old is not None and text != old.rstrip("\n")}
        if edits:
            texts[DOMAIN] = self._edit_domain(edits)
        if add or set(remove) & set(self.examples()):
            texts[self.nlu_path] = self._edit_examples(add, set(remove))
        return texts

    def _edit_domain(self, edits: dict[str, str]) -> str:
        lines = self.domain_text.splitlines(keepends=True)
        expected = yaml.safe_load(self.domain_text)
        # From the bottom up, so the lines of the nodes still to edit do not move.
        for name in sorted(edits, key=lambda name: -self.responses.lc.key(name)[0]):
            node = _variation(self.responses, name)
            value = edits[name] + ("\n" if str(node["text"]).endswith("\n") else "")
            lines = replace_value(lines, node, "text", value)
            expected["responses"][name][0]["text"] = value
        text = "".join(lines)
        if yaml.safe_load(text) != expected:
            raise EditingError(_UNSAFE.format(path=DOMAIN))
        return text

    def _edit_examples(self, add: tuple[str, ...], remove: set[str]) -> str:
        lines = self.nlu_text.splitlines(keepends=True)
        line, column = self.item.lc.key("examples")
        start, end = node_span(lines, line, column)
        body = lines[start + 1:end]
        firsts = [entry for entry in body if entry.strip().startswith("- ")]
        indent = (firsts[0][:len(firsts[0]) - len(firsts[0].lstrip())] if firsts
                  else " " * (column + 2))
        kept = [entry for entry in body if not (
            entry.strip().startswith("- ") and entry.strip()[2:].strip() in remove)]
        new = [entry if entry.endswith("\n") else entry + "\n" for entry in kept]
        new += [f"{indent}- {example}\n" for example in add]
        if new and end == len(lines) and not lines[-1].endswith("\n"):
            new[-1] = new[-1].rstrip("\n")  # the file had no final line break
        text = "".join(lines[:start + 1] + new + lines[end:])
        self._verify_examples(text, [example for example in self.examples()
                                     if example not in remove] + list(add))
        return text

    def _verify_examples(self, text: str, examples: list[str]) -> None:
        before, after = yaml.safe_load(self.nlu_text), yaml.safe_load(text)
        index = next(i for i, item in enumerate(self.nlu["nlu"]) if item is self.item)
        expected = copy.deepcopy(before)
        try:
            expected["nlu"][index]["examples"] = after["nlu"][index]["examples"]
            same = after == expected and example_lines(after["nlu"][index]["examples"]) == examples
        except (KeyError, IndexError, TypeError):
            same = False
        if not same:
            raise EditingError(_UNSAFE.format(path=self.nlu_path))


def locate(root: Path, topic: str) -> TopicFiles:
    """The topic's files; UnknownItemError when no data file has `faq/<topic>`."""
    label = f"{RETRIEVAL_INTENT}/{topic}"
    domain_text = (root / DOMAIN).read_text(encoding="utf-8")
    found = []
    for path in sorted((root / "data").rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        if label not in text:
            continue
        document = load_round_trip(text)
        items = document.get("nlu") if isinstance(document, dict) else None
        found += [(path, text, document, item) for item in items or []
                  if isinstance(item, dict) and item.get("intent") == label]
    if not found:
        raise UnknownItemError(f"No hay un tema «{topic}»: ningún archivo de data/nlu/ tiene "
                               f"ejemplos de {label}.")
    if len(found) > 1:
        raise EditingError(f"El tema «{topic}» tiene ejemplos en más de un bloque de "
                           "data/nlu/; júntelos en uno antes de editarlo aquí.")
    path, text, document, item = found[0]
    if not isinstance(item.get("examples"), LiteralScalarString):
        raise EditingError(f"El tema «{topic}» no tiene una lista de ejemplos «examples: |».")
    return TopicFiles(topic, domain_text, load_round_trip(domain_text),
                      path.relative_to(root).as_posix(), text, document, item)
