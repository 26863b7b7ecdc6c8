"""Facts of the sheet (`data/facts.yml`) in the content editor: the form, the editor's
draft, and the live check with the answers the fact would weaken.

The form holds the fields editors keep (value, status, source, source kind, who
confirmed it and when); the description and the scope are shown, not edited here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from console import editor_publishing
from console.editor_support import (
    base_revision,
    current_facts,
    draft_state,
    json_object,
    project_root,
    text,
)
from console.editor_topics import problem_json
from console.web import db, now
from content.answers import fact_keys, weakened_by
from content.changes import clean_text
from content.editing import FactContent, check_fact, load_fact
from content.facts import Fact
from content.readiness import faq_answers
from store.drafts import FACT, delete_draft, draft_body, save_draft

FIELDS = {
    "value": "valor",
    "status": "estado",
    "source": "fuente",
    "source_kind": "tipo de fuente",
    "confirmed_by": "confirmado por",
    "confirmed_on": "fecha de confirmación",
}
STATUS_LABELS = {"confirmed": "Confirmado", "pending": "Pendiente"}
SOURCE_KIND_LABELS = {"official": "Oficial", "secondary": "Secundaria",
                      "protocol": "Protocolo MACPT001", "": "Sin indicar"}
SAVED = "Se guardó su borrador. La ficha de hechos no cambió."
DISCARDED = "Se descartó su borrador. La página muestra el hecho como está en la ficha."
NO_DRAFT = "No tenía un borrador de este hecho."
WEAKENED = "se debilita: la respuesta dice su alternativa o calla ese bloque"
SAID = "la respuesta lo dice"
SAYABLE = "Con este borrador, el asistente dice el hecho en las respuestas que lo nombran."
SILENT = ("Con este borrador, el asistente no dice el hecho: solo se dice un hecho confirmado "
          "y con valor.")
UNFIT = "Este borrador no se podría publicar así: corrija los problemas señalados."


def values_of(fact: Fact) -> dict[str, str]:
    """The form's fields as the sheet has them."""
    return {name: getattr(fact, name) for name in FIELDS}


def stored_values(body: Mapping[str, Any], fact: Fact) -> dict[str, str]:
    """The form's fields of a saved draft (a field it lacks comes from the sheet)."""
    current = values_of(fact)
    return {name: body[name] if isinstance(body.get(name), str) else current[name]
            for name in FIELDS}


def topics_using(root: Path, key: str, facts: Mapping[str, Fact]) -> list[dict[str, Any]]:
    """The FAQ topics whose answer names the fact, and whether it weakens each with
    `facts` (its first alternative of some block could not be said)."""
    found = []
    for label, answer in sorted(faq_answers(root / "domain.yml").items()):
        if key in fact_keys(answer):
            topic, weakened = label.removeprefix("faq/"), key in weakened_by(answer, facts)
            found.append({"topic": topic, "weakened": weakened,
                          "url": url_for("editor.topic", topic=topic),
                          "note": WEAKENED if weakened else SAID})
    return found


def _with_draft(current: FactContent, facts: Mapping[str, Fact],
                changes: Mapping[str, str]) -> dict[str, Fact]:
    """The facts with the fact as the draft would leave it."""
    fields = {name: clean_text(value) for name, value in changes.items()}
    return {**facts, current.key: dataclasses.replace(current.fact, **fields)}


def check(key: str):
    """`POST /console/editor/api/datos/<key>/revisar`: the draft's problems (exactly
    content.editing.check_fact's) and the answers that name the fact; nothing is
    written."""
    root = project_root()
    current = load_fact(root, key)
    body = json_object(FIELDS)
    changes = {name: value for name in FIELDS
               if (value := text(body, name, FIELDS[name])) is not None}
    problems = check_fact(root, key, changes)
    facts, sheet_error = current_facts(root)
    drafted = _with_draft(current, facts, changes)
    sayable = drafted[key].sayable and not problems
    summary = UNFIT if problems else SAYABLE if sayable else SILENT
    return jsonify(problems=[problem_json(problem) for problem in problems],
                   sayable=sayable, summary=summary,
                   topics=topics_using(root, key, drafted),
                   revision=current.revision, facts_error=sheet_error)


def page(key: str):
    """`GET /console/editor/datos/<key>`: the fact's form, with the editor's draft if any."""
    root = project_root()
    current = load_fact(root, key)
    state = draft_state(FACT, key, current.revision)
    values = (stored_values(draft_body(state.mine), current.fact) if state.mine
              else values_of(current.fact))
    facts, sheet_error = current_facts(root)
    drafted = _with_draft(current, facts, values)
    return render_template(
        "editor_fact.html", current=current, values=values, state=state,
        base_revision=state.mine.base_revision if state.mine else current.revision,
        topics=topics_using(root, key, drafted), sayable=drafted[key].sayable,
        sayable_text=SAYABLE, silent_text=SILENT, statuses=STATUS_LABELS,
        source_kinds=SOURCE_KIND_LABELS, facts_error=sheet_error)


def save(key: str):
    """`POST /console/editor/datos/<key>` ("Guardar borrador"): stores the draft only."""
    current = load_fact(project_root(), key)
    values = {name: request.form.get(name, "") for name in FIELDS}
    save_draft(db(), FACT, key, current_user.id, base_revision(current.revision), values, now())
    if request.form.get("publish"):
        return editor_publishing.publish()
    flash(SAVED, "info")
    return redirect(url_for("editor.fact", key=key))


def discard(key: str):
    """`POST /console/editor/datos/<key>/descartar`: deletes the editor's draft."""
    load_fact(project_root(), key)
    deleted = delete_draft(db(), FACT, key, current_user.id)
    flash(DISCARDED if deleted else NO_DRAFT, "info")
    return redirect(url_for("editor.fact", key=key))
