"""FAQ topics in the content editor: the form, the editor's draft, the live check and the
preview of the answer as a citizen reads it.

The form holds the answer's blocks, the topic in plain words, the examples (each may be
removed) and new examples, one per line. Its draft is stored in the database
(store/drafts.py); the project's files are only read here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from console import editor_publishing
from console.editor_support import (
    InputError,
    area_name,
    base_revision,
    current_facts,
    draft_state,
    form_texts,
    json_object,
    project_root,
    text,
    texts,
)
from console.web import db, now, services
from content.answers import alternatives, fact_keys, fill_facts, sayable
from content.changes import Problem
from content.editing import TopicChange, TopicContent, check_change, load_topic
from content.facts import Fact
from content.publication import typed_examples
from store.drafts import TOPIC, delete_draft, draft_body, save_draft

MAX_BLOCKS = 20
MAX_REMOVED = 1000
MAX_NEW_EXAMPLES = 200
FIELDS = {
    "answer_blocks": "bloques de la respuesta",
    "paraphrase": "tema en palabras sencillas",
    "remove_examples": "ejemplos que se quitan",
    "new_examples": "ejemplos nuevos",
}
SAVED = "Se guardó su borrador. Los archivos del proyecto no cambiaron."
DISCARDED = "Se descartó su borrador. La página muestra el tema como está en los archivos."
NO_DRAFT = "No tenía un borrador de este tema."
EMPTY_BLOCK = "El bloque está vacío: no se envía."
SILENT_BLOCK = ("El ciudadano no recibe este bloque: ninguna de sus alternativas se puede "
                "decir con los hechos actuales ({reasons}).")


@dataclass(frozen=True)
class TopicForm:
    """What the topic's form holds, as typed."""

    answer_blocks: tuple[str, ...]
    paraphrase: str
    remove_examples: tuple[str, ...] = ()
    new_examples: str = ""

    @classmethod
    def of(cls, content: TopicContent) -> TopicForm:
        """The form filled with the topic as the files have it."""
        return cls(content.answer_blocks or ("",), content.paraphrase)

    @classmethod
    def stored(cls, body: Mapping[str, Any], content: TopicContent) -> TopicForm:
        """The form of a saved draft (a part it lacks comes from the files)."""
        def strings(value: Any) -> tuple[str, ...] | None:
            if isinstance(value, list) and all(isinstance(item, str) for item in value):
                return tuple(value)
            return None

        paraphrase, new = body.get("paraphrase"), body.get("new_examples")
        return cls(strings(body.get("answer_blocks")) or content.answer_blocks or ("",),
                   paraphrase if isinstance(paraphrase, str) else content.paraphrase,
                   strings(body.get("remove_examples")) or (),
                   new if isinstance(new, str) else "")

    @classmethod
    def posted(cls) -> TopicForm:
        """The form as the browser sent it."""
        return cls(form_texts("block", FIELDS["answer_blocks"], MAX_BLOCKS) or ("",),
                   request.form.get("paraphrase", ""),
                   form_texts("remove_example", FIELDS["remove_examples"], MAX_REMOVED),
                   request.form.get("new_examples", ""))

    def body(self) -> dict[str, Any]:
        """The draft's body as stored."""
        return {"answer_blocks": list(self.answer_blocks), "paraphrase": self.paraphrase,
                "remove_examples": list(self.remove_examples),
                "new_examples": self.new_examples}


def checked_change(body: Mapping[str, Any]) -> TopicChange:
    """The change a check request describes; a part it leaves out is not checked."""
    new = text(body, "new_examples", FIELDS["new_examples"]) or ""
    added = typed_examples(new)
    if len(added) > MAX_NEW_EXAMPLES:
        raise InputError(400, f"Agregue como máximo {MAX_NEW_EXAMPLES} ejemplos a la vez.")
    return TopicChange(
        answer_blocks=texts(body, "answer_blocks", FIELDS["answer_blocks"], MAX_BLOCKS),
        paraphrase=text(body, "paraphrase", FIELDS["paraphrase"]),
        add_examples=added,
        remove_examples=texts(body, "remove_examples", FIELDS["remove_examples"],
                              MAX_REMOVED) or (),
    )


@dataclass(frozen=True)
class PreviewBlock:
    """One block as the citizen reads it, or why it is left out."""

    number: int
    text: str  # "" when the block is left out
    alternative: int  # the alternative said (1-based); 0 when left out
    alternatives: int
    note: str  # for the editor: why it is left out, or why not the first alternative


def _links(block: str) -> str:
    settings = services().settings
    return block.replace("{pqrd_url}", settings.pqrd_url).replace("{survey_url}",
                                                                   settings.survey_url)


def _missing(keys: Sequence[str], facts: Mapping[str, Fact]) -> str:
    pending = [key for key in keys if key in facts and not facts[key].sayable]
    unknown = [key for key in keys if key not in facts]
    parts = []
    if pending:
        parts.append(f"pendientes en la ficha: {', '.join(pending)}")
    if unknown:
        parts.append(f"no están en la ficha: {', '.join(unknown)}")
    return "; ".join(parts)


def preview(blocks: Sequence[str], facts: Mapping[str, Fact]) -> list[PreviewBlock]:
    """Each block as stored (content.editing's cleaning), filled with the facts and the
    links the way the assistant says it (content.answers)."""
    cleaned = TopicChange(answer_blocks=tuple(blocks)).cleaned().answer_blocks or ()
    shown = []
    for number, block in enumerate(cleaned, start=1):
        options = alternatives(_links(block))
        chosen = next((index for index, option in enumerate(options)
                       if sayable(option, facts)), None)
        if not options:
            shown.append(PreviewBlock(number, "", 0, 0, EMPTY_BLOCK))
        elif chosen is None:
            reasons = _missing(fact_keys(block), facts)
            shown.append(PreviewBlock(number, "", 0, len(options),
                                      SILENT_BLOCK.format(reasons=reasons)))
        else:
            note = "" if chosen == 0 else (
                f"Se dice la alternativa {chosen + 1} de {len(options)}: la primera "
                f"necesita hechos que faltan ({_missing(fact_keys(options[0]), facts)}).")
            shown.append(PreviewBlock(number, fill_facts(options[chosen], facts), chosen + 1,
                                      len(options), note))
    return shown


def problem_json(problem: Problem) -> dict[str, Any]:
    """A problem for the page's script: its field, which block or example, the message."""
    return {**asdict(problem), "where": problem.where}


def check(topic: str):
    """`POST /console/editor/api/temas/<topic>/revisar`: the draft's problems (exactly
    content.editing.check_change's) and the preview; nothing is written."""
    root = project_root()
    content = load_topic(root, topic)
    change = checked_change(json_object(FIELDS))
    problems = check_change(root, topic, change)
    facts, sheet_error = current_facts(root)
    blocks = content.answer_blocks if change.answer_blocks is None else change.answer_blocks
    return jsonify(problems=[problem_json(problem) for problem in problems],
                   preview=[asdict(block) for block in preview(blocks, facts)],
                   revision=content.revision, facts_error=sheet_error)


def page(topic: str):
    """`GET /console/editor/temas/<topic>`: the form, with the editor's draft if any."""
    root = project_root()
    content = load_topic(root, topic)
    state = draft_state(TOPIC, topic, content.revision)
    form = (TopicForm.stored(draft_body(state.mine), content) if state.mine
            else TopicForm.of(content))
    examples = list(content.examples) + [example for example in form.remove_examples
                                         if example not in content.examples]
    facts, sheet_error = current_facts(root)
    return render_template(
        "editor_topic.html", content=content, form=form, state=state, examples=examples,
        area=area_name(content.area),
        base_revision=state.mine.base_revision if state.mine else content.revision,
        preview=preview(form.answer_blocks, facts), facts_error=sheet_error,
        max_blocks=MAX_BLOCKS)


def save(topic: str):
    """`POST /console/editor/temas/<topic>` ("Guardar borrador"): stores the draft only."""
    content = load_topic(project_root(), topic)
    form = TopicForm.posted()
    save_draft(db(), TOPIC, topic, current_user.id, base_revision(content.revision),
               form.body(), now())
    if request.form.get("publish"):
        return editor_publishing.publish()
    flash(SAVED, "info")
    return redirect(url_for("editor.topic", topic=topic))


def discard(topic: str):
    """`POST /console/editor/temas/<topic>/descartar`: deletes the editor's draft."""
    load_topic(project_root(), topic)
    deleted = delete_draft(db(), TOPIC, topic, current_user.id)
    flash(DISCARDED if deleted else NO_DRAFT, "info")
    return redirect(url_for("editor.topic", topic=topic))
